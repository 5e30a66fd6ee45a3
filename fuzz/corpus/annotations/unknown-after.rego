package closeout.ukfast

import rego.v1

# METADATA
# title: Requester is not the primary contact
# description: Only the primary contact can close an account.
# related_resources:
#   - ref: seeds/ukfast-close-account.md
#     description: "Only the primary contact can close an account."
# custom:
#   id: UKF-001
#   kind: warn
#   remediation: Have the primary contact raise the request.
#   after: [UKF-404]
deny contains finding if {
	input.request.requested_by != input.account.primary_contact_id
	finding := {"id": "UKF-001", "msg": "not the primary contact", "pointer": "/request/requested_by"}
}
