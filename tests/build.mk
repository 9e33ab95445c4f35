# tests: unit tests (cmocka), integration and escape tests (tests/run.sh).
DEPS_TEST += libcmocka-dev busybox-static python3 git tar gcc
