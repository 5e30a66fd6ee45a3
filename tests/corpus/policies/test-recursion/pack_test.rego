package closeout.sipstation_test

import rego.v1

import data.closeout.sipstation

loop(x) := loop(x)

test_loop if loop(1)

