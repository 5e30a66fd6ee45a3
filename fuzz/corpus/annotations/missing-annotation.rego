package closeout.ukfast

import rego.v1

# A deny rule with no annotation: its findings would have no title, kind or
# remediation, so closeout refuses to load it.
deny contains finding if {
	input.request.requested_by != input.account.primary_contact_id
	finding := {"id": "UKF-001", "msg": "not the primary contact", "pointer": "/request/requested_by"}
}
