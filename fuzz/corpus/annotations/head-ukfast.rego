package closeout.ukfast

import rego.v1

# Closing a UKFast (ANS) account: seeds/ukfast-close-account.md.

day_ns := 86400000000000

# The export date: the date part of exported_at (and its midnight UTC in ns).
export_date := substring(input.exported_at, 0, 10)

export_date_ns := date_ns(export_date)

# The requested date; a request without one is read as "as of the export".
requested_date := input.request.requested_date if {
	has_requested_date
} else := export_date

requested_phrase := sprintf("the requested date %s", [input.request.requested_date]) if {
	has_requested_date
} else := sprintf("the export date %s (the request names no date)", [export_date])

has_requested_date if is_string(input.request.requested_date)

# The snapshot schema checks every date (YYYY-MM-DD) and timestamp (RFC 3339)
# before policies run, so a string is all these helpers test; timestamps are
# upper-cased because RFC 3339 allows "t" and "z", which OPA's
# time.parse_rfc3339_ns rejects.
date_ns(d) := time.parse_rfc3339_ns(concat("", [d, "T00:00:00Z"])) if is_string(d)

timestamp_ns(t) := time.parse_rfc3339_ns(upper(t)) if is_string(t)

exported_at_ns := timestamp_ns(input.exported_at)

format_date(ns) := sprintf("%04d-%02d-%02d", [d[0], d[1], d[2]]) if {
	d := time.date(ns)
}

# A resource exists unless it is gone; live, changing and failed all exist.
exists(r) if not r.state == "gone"

not_in_contract(r) if not r.in_contract == true

type_labels := {
	"ukfast.ecloud_v1_vm": "eCloud Public v1 VM",
	"ukfast.ecloud_vpc_instance": "eCloud VPC instance",
	"ukfast.ecloud_vpc": "eCloud VPC",
	"ukfast.ecloud_floating_ip": "floating IP",
	"ukfast.ecloud_volume": "volume",
	"ukfast.shared_exchange_domain": "Shared Exchange domain",
	"ukfast.dedicated_server": "dedicated server",
	"ukfast.mysql_database": "MySQL database",
}

# `eCloud VPC instance "web-1" (i-1a2b)`, or `eCloud VPC instance i-1a2b` without a name.
describe(r) := sprintf("%s \"%s\" (%s)", [object.get(type_labels, r.type, r.type), r.name, r.id]) if {
	is_string(r.name)
	r.name != ""
} else := sprintf("%s %s", [object.get(type_labels, r.type, r.type), r.id])

# ` (status "running")`, kept verbatim for the report; "" without a status.
status_suffix(r) := sprintf(" (status \"%s\")", [r.status]) if {
	is_string(r.status)
} else := ""

# Resources of one type that exist and are not in contract, by index.
uncontracted(type) := {i: r |
	some i, r in input.resources
	r.type == type
	exists(r)
	not_in_contract(r)
}

# `"Ada Lovelace" (c-1)`, or the bare id when no contact of that id has a name.
# Ids should be unique; when several contacts share one, the first listed with
# a name is used, so the function has a single value (two would be a conflict
# error in OPA).
contact_label(id) := sprintf("\"%s\" (%s)", [names[0], id]) if {
	names := [c.name | some c in input.account.contacts; c.id == id; is_string(c.name)]
	count(names) > 0
} else := id

# METADATA
# title: Only the primary contact can close the account
# description: >-
#   The cancellation request was not raised by the account's primary contact
#   (request.requested_by is absent or differs from account.primary_contact_id).
# related_resources:
#   - ref: seeds/ukfast-close-account.md
#     description: >-
#       "Are you the
#       [**primary contact**](https://docs.ukfast.co.uk/myukfast/managing-contacts.html#primary-contact)
#       on the account? Only the primary contact can close an account."
# custom:
#   id: UKF-001
#   kind: block
#   remediation: >-
#     Only the primary contact can close a UKFast account. Have the primary
#     contact raise the closure with the Account Manager themselves, or first
#     make the requester the primary contact in MyUKFast (see
#     https://docs.ukfast.co.uk/myukfast/managing-contacts.html#primary-contact)
#     and export a fresh snapshot.
deny contains finding if {
	not requested_by_primary
	finding := {"id": "UKF-001", "msg": requester_msg, "pointer": "/request/requested_by"}
}

requested_by_primary if {
	is_string(input.request.requested_by)
	input.request.requested_by == input.account.primary_contact_id
}

# `not requester_named`, not `not is_string(input.request.requested_by)`: OPA
# pulls an absent reference out of a negated call, which makes the whole
# expression undefined instead of true (open-policy-agent/opa#1877).
requester_named if is_string(input.request.requested_by)

primary_contact_named if is_string(input.account.primary_contact_id)

requester_msg := "the request does not name who raised it; only the primary contact can close the account" if {
	not requester_named
} else := msg if {
	not primary_contact_named
	msg := sprintf(
		"the account has no primary contact on record, so contact %s cannot be confirmed as the primary contact",
		[contact_label(input.request.requested_by)],
	)
} else := sprintf(
	"the request was raised by contact %s, not by the primary contact %s",
	[contact_label(input.request.requested_by), contact_label(input.account.primary_contact_id)],
)

# METADATA
# title: A contract term or notice period restricts cancellation
# description: >-
#   An active contract whose term_end is after the requested date, or whose
#   notice period (notice_period_days from the export date) has not run out by
#   the requested date. Without a requested date, the export date is used.
# related_resources:
#   - ref: seeds/ukfast-close-account.md
#     description: >-
#       "Do you have a existing contract with UKFast? If so there may be
#       restrictions on your ability to cancel products and services within an
#       existing term."
# custom:
#   id: UKF-002
#   kind: block
#   remediation: >-
#     Products and services in an existing contract term cannot simply be
#     cancelled. Move the requested date to the later of the term end and the
#     end of the notice period (give notice now), or agree an early termination
#     with your Account Manager (MyUKFast: My Account > My Account Manager).
deny contains finding if {
	some i, c in input.contracts
	c.status == "active"
	# is_string(reason) is for regorus 0.14's bytecode VM, which would keep an
	# undefined reason in the array (docs/policy-authoring.md, "Two evaluators").
	reasons := [reason |
		some kind in ["term", "notice"]
		reason := contract_reason(c, kind)
		is_string(reason)
	]
	count(reasons) > 0
	finding := {
		"id": "UKF-002",
		"msg": sprintf("%s is active and cannot end by %s: %s", [contract_label(c), requested_phrase, concat("; ", reasons)]),
		"pointer": sprintf("/contracts/%d", [i]),
	}
}

contract_label(c) := sprintf("contract %s (%s)", [c.id, c.product]) if {
	is_string(c.product)
} else := sprintf("contract %s", [c.id])

contract_reason(c, "term") := sprintf("its term runs to %s", [c.term_end]) if {
	date_ns(c.term_end) > date_ns(requested_date)
}

# Notice given at the export date. A contract without notice_period_days
# requires no notice, so only its term can restrict it (an absent value is not
# a 0-day notice that a requested date before the export date would break).
contract_reason(c, "notice") := msg if {
	is_number(c.notice_period_days)
	days := c.notice_period_days
	notice_end := export_date_ns + (days * day_ns)
	date_ns(requested_date) < notice_end
	msg := sprintf("its %d-day notice period from %s runs to %s", [days, export_date, format_date(notice_end)])
}

