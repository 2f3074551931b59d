"""Word lists the generator draws from: small, hand-written, shaped like the Sparkov data set.

Cities carry a plausible zip, home coordinates and population; New England zips keep their leading
zero (05155), which the real data set lost on its way through pandas.
"""
from __future__ import annotations

CATEGORIES = (
    "gas_transport", "grocery_pos", "home", "shopping_pos", "kids_pets", "shopping_net", "personal_care",
    "entertainment", "food_dining", "health_fitness", "misc_pos", "misc_net", "grocery_net", "travel",
)
# Share of legitimate traffic per category, as in the first rows of fraudTrain.csv.
CATEGORY_WEIGHTS = (656, 635, 569, 518, 491, 455, 425, 402, 401, 387, 365, 323, 229, 183)
FRAUD_CATEGORIES = ("shopping_net", "grocery_pos", "misc_net")

FIRST_NAMES = {
    "F": ("Jennifer", "Stephanie", "Mary", "Linda", "Susan", "Jessica", "Sarah", "Karen", "Nancy", "Lisa",
          "Betty", "Sandra", "Ashley", "Kimberly", "Donna", "Emily", "Michelle", "Carol", "Amanda", "Melissa",
          "Deborah", "Rebecca", "Laura", "Teresa", "Stacy", "Heather", "Kathryn", "Tina", "Amber", "Monica"),
    "M": ("Edward", "Jeremy", "Tyler", "Joshua", "Harry", "Bryan", "Corey", "Spencer", "Travis", "James",
          "John", "Robert", "Michael", "William", "David", "Richard", "Joseph", "Thomas", "Charles", "Daniel",
          "Matthew", "Anthony", "Mark", "Steven", "Paul", "Kenneth", "Kevin", "Brian", "George", "Scott"),
}
LAST_NAMES = (
    "Banks", "Gill", "Sanchez", "White", "Garcia", "Conner", "Mckee", "Miller", "Jones", "Stein", "Lambert",
    "Williams", "Daniel", "Cohen", "Smith", "Johnson", "Brown", "Davis", "Rodriguez", "Martinez", "Hernandez",
    "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez",
    "Thompson", "Harris", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera",
    "Campbell", "Mitchell", "Carter", "Roberts", "Phillips", "Evans", "Turner", "Parker", "Collins", "Edwards",
)
STREET_SUFFIXES = (
    "Cove", "Greens", "Dale", "Court", "Rest", "Island", "Station", "Pass", "Stream", "Squares", "View", "Divide",
    "Bridge", "Drive", "Fords", "Underpass", "Fields", "Trafficway", "Causeway", "Ports", "Viaduct", "Mills",
    "Crossing", "Hollow", "Loop", "Plains", "Ridge", "Shoals", "Summit", "Well",
)
JOBS = (
    "Psychologist, counselling", "Special educational needs teacher", "Nature conservation officer",
    "Patent attorney", "Dance movement psychotherapist", "Transport planner", "Arboriculturist",
    "Designer, multimedia", "Public affairs consultant", "Pathologist", "IT trainer", "Systems developer",
    "Engineer, land", "Systems analyst", "Naval architect", "Loss adjuster, chartered", "Quantity surveyor",
    "Special effects artist", "Social researcher", "Race relations officer", "Licensed conveyancer",
    "Database administrator", "Armed forces logistics/support/administrative officer", "Teacher, primary school",
    "Engineer, biomedical", "Surveyor, land/geomatics", "Scientist, research (maths)", "Film/video editor",
    "Accountant, chartered public finance", "Editor, magazine features", "Doctor, hospital", "Paramedic",
    "Water engineer", "Exhibition designer", "Sales executive", "Chief Executive Officer", "Librarian, public",
    "Therapist, occupational", "Producer, radio", "Administrator, education", "Electrical engineer",
    "Programmer, multimedia", "Radio broadcast assistant", "Hydrologist", "Farm manager", "Copywriter, advertising",
)
MERCHANT_NAMES = (
    "Rippin", "Kub", "Mann", "Heller", "Gutmann", "Zieme", "Lind", "Buckridge", "Kutch", "Hermiston", "Farrell",
    "Keeling", "Crist", "Stroman", "Hudson", "Rowe", "Abernathy", "Luettgen", "Padberg", "Sauer", "Sporer",
    "Ullrich", "Medhurst", "Cartwright", "Ebert", "Pouros", "Haag", "Hackett", "Conroy", "Smitham", "Boehm",
    "Schmeler", "Howe", "Reynolds", "Schinner", "Labadie", "Klein", "Hintz", "Bruen", "Rau", "Grant", "Kunde",
    "Dare", "Casper", "Bartoletti", "Kovacek", "Dibbert", "Ondricka", "Bins", "Rice", "Runte", "Mohr", "Wolff",
    "Stamm", "Witting", "Mueller", "Gerhold", "Herzog", "Kerluke", "Kertzmann", "Wiza", "Spinka", "Welch",
    "Ruecker", "Beer", "Collier", "Parisian", "Schumm", "Carter", "Paucek", "Hayes", "Marquardt", "Klocko",
    "Bernhard", "Lesch", "Wiegand", "Lowe", "Reilly", "Bauch", "Raynor", "Kihn", "Gleason", "Macejkovic",
)
MERCHANT_SUFFIXES = ("LLC", "Ltd", "Inc", "Group", "PLC", "and Sons")

# city, state, zip, home lat, home long, city population
CITIES = (
    ("Moravian Falls", "NC", "28654", 36.0788, -81.1781, 3495),
    ("Orient", "WA", "99160", 48.8878, -118.2105, 149),
    ("Malad City", "ID", "83252", 42.1808, -112.262, 4154),
    ("Boulder", "MT", "59632", 46.2306, -112.1138, 1939),
    ("Doe Hill", "VA", "24433", 38.4207, -79.4629, 99),
    ("Dublin", "PA", "18917", 40.375, -75.2045, 2158),
    ("Holcomb", "KS", "67851", 37.9931, -100.9893, 2691),
    ("Edinburg", "VA", "22824", 38.8432, -78.6003, 6018),
    ("Manor", "PA", "15665", 40.3359, -79.6607, 1472),
    ("Clarksville", "TN", "37040", 36.522, -87.349, 151785),
    ("Clarinda", "IA", "51632", 40.7491, -95.038, 7297),
    ("Saint Petersburg", "FL", "33710", 27.7898, -82.7243, 341043),
    ("Grenada", "CA", "96038", 41.6125, -122.5258, 589),
    ("Cass", "WV", "24927", 38.388, -79.9906, 365),
    ("West Decatur", "PA", "16878", 40.9493, -78.3129, 1762),
    ("Brunson", "SC", "29911", 32.9413, -81.1807, 1725),
    ("Mulberry Grove", "IL", "62262", 38.9311, -89.2463, 1810),
    ("Watertown", "MN", "55388", 44.9595, -93.8482, 5619),
    ("Senatobia", "MS", "38668", 34.6323, -89.8855, 14462),
    ("Port Charlotte", "FL", "33981", 26.9379, -82.2388, 79008),
    ("Brooklin", "ME", "04616", 44.2541, -68.5565, 824),
    ("Wales", "AK", "99783", 64.7556, -165.6723, 145),
    ("Houston", "TX", "77096", 29.6739, -95.4842, 2906700),
    ("San Antonio", "TX", "78208", 29.44, -98.459, 1595797),
    ("Brooklyn", "NY", "11220", 40.6413, -74.0166, 2504700),
    ("Bronx", "NY", "10468", 40.8687, -73.8982, 1382480),
    ("Philadelphia", "PA", "19124", 40.0185, -75.0913, 1526206),
    ("Chicago", "IL", "60632", 41.8092, -87.7126, 2680484),
    ("Los Angeles", "CA", "90011", 34.0074, -118.2588, 3792621),
    ("Detroit", "MI", "48227", 42.3883, -83.1934, 713777),
    ("Columbus", "OH", "43215", 39.9672, -83.0041, 787033),
    ("Birmingham", "AL", "35205", 33.4952, -86.8077, 212237),
    ("Kansas City", "MO", "64130", 39.0351, -94.5468, 459787),
    ("Washington", "DC", "20012", 38.9757, -77.0282, 601723),
    ("South Londonderry", "VT", "05155", 43.1884, -72.8092, 1715),
    ("Burlington", "VT", "05401", 44.4755, -73.2121, 42417),
    ("Manchester", "NH", "03103", 42.9656, -71.4478, 109565),
    ("Hartford", "CT", "06106", 41.7491, -72.6928, 124775),
    ("Springfield", "MA", "01109", 42.1185, -72.5497, 153060),
    ("Newark", "NJ", "07106", 40.7418, -74.2329, 277140),
    ("Providence", "RI", "02908", 41.8396, -71.4373, 178042),
    ("Bangor", "ME", "04401", 44.8407, -68.8168, 33039),
    ("Fort Worth", "TX", "76104", 32.7258, -97.3185, 741206),
    ("Lubbock", "TX", "79401", 33.5862, -101.8613, 229573),
    ("Rochester", "NY", "14621", 43.1831, -77.6043, 210565),
    ("Erie", "PA", "16505", 42.1153, -80.1545, 101786),
    ("Grand Rapids", "MI", "49503", 42.9637, -85.6597, 188040),
    ("Toledo", "OH", "43604", 41.6516, -83.5359, 287208),
    ("Peoria", "IL", "61604", 40.7112, -89.6434, 115007),
    ("Mobile", "AL", "36604", 30.6834, -88.0747, 195111),
    ("Springfield", "MO", "65802", 37.2116, -93.2993, 159498),
    ("Tampa", "FL", "33612", 28.0506, -82.4504, 335709),
    ("Fresno", "CA", "93727", 36.7528, -119.6814, 494665),
    ("Denver", "CO", "80203", 39.7312, -104.9826, 600158),
    ("Phoenix", "AZ", "85008", 33.4647, -111.9972, 1445632),
    ("Omaha", "NE", "68104", 41.2958, -95.9999, 408958),
    ("Louisville", "KY", "40214", 38.1592, -85.7796, 597337),
    ("Memphis", "TN", "38109", 35.0436, -90.1362, 646889),
    ("Tulsa", "OK", "74105", 36.0958, -95.9651, 391906),
    ("Boise", "ID", "83704", 43.6308, -116.2824, 205671),
    ("Salem", "OR", "97301", 44.9263, -123.0057, 154637),
    ("Honolulu", "HI", "96817", 21.3297, -157.8468, 337256),
    ("Fargo", "ND", "58102", 46.9212, -96.8331, 105549),
    ("Sioux Falls", "SD", "57103", 43.5464, -96.6905, 153888),
    ("Laramie", "WY", "82070", 41.2851, -105.6218, 30816),
    ("Las Vegas", "NV", "89101", 36.1724, -115.1226, 583756),
    ("Albuquerque", "NM", "87108", 35.0718, -106.5745, 545852),
    ("Provo", "UT", "84601", 40.2317, -111.6796, 112488),
    ("Little Rock", "AR", "72204", 34.7267, -92.3547, 193524),
    ("Shreveport", "LA", "71106", 32.4294, -93.7431, 199311),
    ("Savannah", "GA", "31405", 32.0423, -81.1188, 136286),
    ("Madison", "WI", "53703", 43.0766, -89.3779, 233209),
    ("Dover", "DE", "19901", 39.1593, -75.5168, 36047),
    ("Baltimore", "MD", "21215", 39.3431, -76.6766, 620961),
)
