package closeout.sipstation

import rego.v1

# Names that are also local variables below.
x := 1

id := "not a local"

# A helper used by two rules is no cycle.
has_text(v) if {
	is_string(v)
	trim_space(v) != ""
}

named if has_text(input.account.name)

identified if has_text(input.account.id)

# The evaluation time comes from the context, never from the clock.
now_ns := data.closeout.context.now_ns

exported_ns := time.parse_rfc3339_ns(input.exported_at)

fresh if now_ns - exported_ns < (7 * 24) * 3600000000000

contact_ids := {c.id | some c in input.account.contacts}

doubled := y if {
	x := 2
	y := x * 2
}

contact_named(x) if {
	some c in input.account.contacts
	c.id == x
	id := c.name
	has_text(id)
}

every_contact_named if {
	every x in input.account.contacts {
		has_text(x.name)
	}
}

shadowed(x) := y if {
	y := {"id": x, "name": input.account.name}
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
deny contains {"id": "DEM-001", "msg": "demo", "pointer": ""} if {
	named
	not fresh
}
