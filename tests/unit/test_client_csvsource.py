"""Reading Sparkov CSVs the way people have them (client.csvsource)."""
import pytest

from chalicelib.dictionary.fields import FIELDS
from client.csvsource import CsvFormatError, Malformed, Row, SparkovCsv, count_lines
from tests.support.client_files import transactions, write_sparkov

FIELDS_WITHOUT_LABEL = tuple(f for f in FIELDS if f != "is_fraud")


def read_all(path):
    with SparkovCsv(path) as source:
        return source, list(source.rows())


def test_two_leading_index_columns_are_dropped_without_warning(tmp_path):
    sent = transactions(2)
    source, items = read_all(write_sparkov(tmp_path / "a.csv", sent, index_columns=("", "Unnamed: 0")))
    assert [i.record for i in items] == sent
    assert source.dropped == ()


def test_index_column_named_unnamed_0_is_dropped(tmp_path):
    sent = transactions(1)
    _, items = read_all(write_sparkov(tmp_path / "a.csv", sent, index_columns=("Unnamed: 0",)))
    assert items[0].record == sent[0]


def test_byte_order_mark_does_not_hide_the_first_column(tmp_path):
    sent = transactions(1)
    source, items = read_all(write_sparkov(tmp_path / "a.csv", sent, bom=True))
    assert source.columns == FIELDS
    assert items[0].record["trans_date_trans_time"] == sent[0]["trans_date_trans_time"]


def test_crlf_line_ends_leave_no_carriage_return_in_values(tmp_path):
    _, items = read_all(write_sparkov(tmp_path / "a.csv", transactions(2), newline="\r\n"))
    assert all("\r" not in v for i in items for v in i.record.values())
    assert items[-1].record["is_fraud"] == "0"


def test_last_row_without_final_newline_is_read(tmp_path):
    sent = transactions(3)
    _, items = read_all(write_sparkov(tmp_path / "a.csv", sent, newline="\r\n", final_newline=False))
    assert [i.record["trans_num"] for i in items] == [t["trans_num"] for t in sent]


def test_quoted_merchant_with_a_comma_is_one_field(tmp_path):
    sent = transactions(1, merchant='fraud_Rippin, Kub and "Mann"')
    _, items = read_all(write_sparkov(tmp_path / "a.csv", sent))
    assert items[0].record["merchant"] == 'fraud_Rippin, Kub and "Mann"'


def test_file_without_is_fraud_gives_records_without_a_label(tmp_path):
    source, items = read_all(write_sparkov(tmp_path / "a.csv", transactions(1), fields=FIELDS_WITHOUT_LABEL))
    assert "is_fraud" not in items[0].record
    assert source.dropped == ()


def test_values_are_kept_as_read(tmp_path):
    sent = transactions(1, zip="5155", amt="5.9", lat="38.388000000000005", cc_num=" 4111111111111111")
    _, items = read_all(write_sparkov(tmp_path / "a.csv", sent))
    assert items[0].record == sent[0]


def test_columns_outside_the_dictionary_are_dropped_and_named(tmp_path):
    path = write_sparkov(tmp_path / "a.csv", transactions(1), extra={"note": "x", "": "y"}, index_columns=("",))
    source, items = read_all(path)
    assert set(items[0].record) == set(FIELDS)
    assert source.dropped == ("note", "(unnamed column 25)")


def test_short_row_is_malformed_with_its_line_number_and_reading_goes_on(tmp_path):
    path = write_sparkov(tmp_path / "a.csv", transactions(3), newline="\r\n")
    lines = path.read_text().splitlines(keepends=True)
    lines[2] = lines[2].split(",", 1)[1]  # row 2 (line 3) loses its first field
    path.write_text("".join(lines), newline="")
    _, items = read_all(path)
    assert items[1] == Malformed(3, "has 21 fields, the header has 22")
    assert [type(i) for i in items] == [Row, Malformed, Row]
    assert items[2].line == 4


def test_long_row_is_malformed(tmp_path):
    path = write_sparkov(tmp_path / "a.csv", transactions(1))
    path.write_text(path.read_text().rstrip("\n") + ",extra\n")
    _, items = read_all(path)
    assert items == [Malformed(2, "has 23 fields, the header has 22")]


def test_line_numbers_count_physical_lines_across_quoted_line_breaks(tmp_path):
    path = write_sparkov(tmp_path / "a.csv", transactions(1, street="12 Main St\nApt. 4") + transactions(1))
    _, items = read_all(path)
    assert [i.line for i in items] == [2, 4]


def test_blank_lines_are_skipped(tmp_path):
    path = write_sparkov(tmp_path / "a.csv", transactions(2))
    lines = path.read_text().splitlines(keepends=True)
    path.write_text(lines[0] + lines[1] + "\n" + lines[2] + "\n\n")
    _, items = read_all(path)
    assert [i.line for i in items] == [2, 4]


def test_row_that_is_not_utf8_is_malformed(tmp_path):
    path = write_sparkov(tmp_path / "a.csv", transactions(2, first="Zoe"))
    path.write_bytes(path.read_bytes().replace(b"Zoe", b"Zo\xe9", 1))
    _, items = read_all(path)
    assert items[0] == Malformed(2, "is not valid UTF-8")
    assert isinstance(items[1], Row)


def test_missing_required_column_is_an_error_naming_it(tmp_path):
    fields = tuple(f for f in FIELDS if f not in ("cc_num", "amt"))
    with pytest.raises(CsvFormatError, match="lacks required columns: cc_num, amt"):
        SparkovCsv(write_sparkov(tmp_path / "a.csv", transactions(1), fields=fields))


def test_column_named_twice_is_an_error(tmp_path):
    with pytest.raises(CsvFormatError, match="'amt' appears twice"):
        SparkovCsv(write_sparkov(tmp_path / "a.csv", transactions(1), fields=(*FIELDS, "amt")))


def test_empty_file_is_an_error(tmp_path):
    (tmp_path / "a.csv").write_bytes(b"")
    with pytest.raises(CsvFormatError, match="no header"):
        SparkovCsv(tmp_path / "a.csv")


@pytest.mark.parametrize("final_newline", [True, False])
def test_count_lines_counts_data_lines(tmp_path, final_newline):
    path = write_sparkov(tmp_path / "a.csv", transactions(3), final_newline=final_newline)
    assert count_lines(path) == 3
