package closeout.sipstation

import rego.v1

valid if {
	[ok, _, _] := io.jwt.decode_verify(input.account.id, {"secret": "s"})
	ok
}

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
deny contains {"id": "DEM-001", "msg": "demo", "pointer": ""} if valid
