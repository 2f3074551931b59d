"""Infrastructure: the local stack (infra/local) and the cloud stages."""
