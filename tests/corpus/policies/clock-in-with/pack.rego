package closeout.sipstation

import rego.v1

stamp(x) := x

# METADATA
# title: Demo condition
# description: A condition of the policy corpus.
# related_resources:
#   - ref: seeds/sipstation-close-account.md
# custom:
#   id: DEM-001
#   kind: block
#   reads: [resources]
#   remediation: Fix it.
deny contains {"id": "DEM-001", "msg": "demo", "pointer": ""} if {
	stamp(1) > 0 with stamp as time.now_ns
}
