package closeout.helpers

import rego.v1

any_open if data.closeout.sipstation.open_cases

