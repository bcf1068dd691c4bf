# Sourced by the scripts: lets Open MPI run as root (containers, CI) and oversubscribe the small
# machines that tests and the quickstart run on.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
