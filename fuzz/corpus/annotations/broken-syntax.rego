package closeout.ukfast

import rego.v1

# METADATA
# title: Broken
# description: A rule with a syntax error.
# related_resources:
#   - ref: seeds/ukfast-close-account.md
#     description: "Only the primary contact can close an account."
# custom:
#   id: BRK-001
#   kind: block
#   remediation: Fix the policy.
deny contains finding if {
	input.request.requested_by !=
	finding := {"id": "BRK-001", "msg": "broken", "pointer": ""}
}
