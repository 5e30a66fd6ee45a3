package closeout.ukfast

import rego.v1

import data.closeout.lib

# Closing a UKFast (ANS) account: seeds/ukfast-close-account.md.

day_ns := 86400000000000

# The export date: the date part of exported_at (and its midnight UTC in ns).
export_date := substring(input.exported_at, 0, 10)

# The requested date; a request without one is read as "as of the export"
# (and GEN-003 blocks when an active contract needs the date).
requested_date := input.request.requested_date if {
	has_requested_date
} else := export_date

requested_phrase := sprintf("the requested date %s", [input.request.requested_date]) if {
	has_requested_date
} else := sprintf("the export date %s (the request names no date)", [export_date])

has_requested_date if is_string(input.request.requested_date)

# The schema checks every date (YYYY-MM-DD) and timestamp (RFC 3339) before
# policies run. Timestamps are upper-cased because RFC 3339 allows "t" and
# "z", which OPA's time.parse_rfc3339_ns rejects, and parsed only inside the
# years 1678 to 2261, which nanoseconds since 1970 can hold (GEN-001 blocks an
# export time outside them).
placeable(t) if {
	is_string(t)
	year := lib.year_of(t)
	year >= 1678
	year <= 2261
}

timestamp_ns(t) := time.parse_rfc3339_ns(upper(t)) if placeable(t)

exported_at_ns := timestamp_ns(input.exported_at)

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
#   reads: [account.primary_contact_id, request.requested_by]
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
#   reads: [contracts, request.requested_date]
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

# Dates are compared as YYYY-MM-DD text and counted as day numbers, never as
# nanoseconds: those stop at 2262, and a term_end of 9999-12-31 must still
# restrict the cancellation (a failing rule would let it pass).
contract_reason(c, "term") := sprintf("its term runs to %s", [c.term_end]) if {
	is_string(c.term_end)
	c.term_end > requested_date
}

# Notice given at the export date. A contract without notice_period_days
# requires no notice, so only its term can restrict it (an absent value is not
# a 0-day notice that a requested date before the export date would break).
contract_reason(c, "notice") := msg if {
	is_number(c.notice_period_days)
	days := c.notice_period_days
	notice_end := lib.day_number(export_date) + days
	lib.day_number(requested_date) < notice_end
	msg := sprintf("its %s-day notice period from %s runs to %s", [notice_days_text(days), export_date, notice_end_text(notice_end)])
}

# A day count as text that reads the same in OPA and regorus.
notice_days_text(days) := sprintf("%v", [days]) if {
	days < 1000000
} else := "more than 999999"

last_day := lib.day_number("9999-12-31")

notice_end_text(day) := lib.date_of_day(floor(day)) if {
	day <= last_day
} else := "after 9999-12-31"

has_term_end(c) if is_string(c.term_end)

# METADATA
# title: An eCloud Public v1 VM not in contract still exists
# description: >-
#   A ukfast.ecloud_v1_vm that is not in contract has not been deleted.
# related_resources:
#   - ref: seeds/ukfast-close-account.md
#     description: >-
#       "Do you have any products/services not in contract that can be removed?"
# custom:
#   id: UKF-003
#   kind: block
#   reads: [resources]
#   remediation: >-
#     Back up its data, then delete the VM as described in "Deleting eCloud
#     Public v1 VMs" (https://docs.ukfast.co.uk/ecloud/public/delete-vm.html)
#     and export a fresh snapshot.
#   after: [UKF-007]
deny contains finding if {
	some i, r in uncontracted("ukfast.ecloud_v1_vm")
	finding := {
		"id": "UKF-003",
		"msg": sprintf("%s is not in contract and still exists%s", [describe(r), status_suffix(r)]),
		"pointer": sprintf("/resources/%d", [i]),
	}
}

# METADATA
# title: An eCloud VPC instance not in contract still exists
# description: >-
#   A ukfast.ecloud_vpc_instance that is not in contract has not been deleted.
# related_resources:
#   - ref: seeds/ukfast-close-account.md
#     description: >-
#       "Do you have any products/services not in contract that can be removed?"
# custom:
#   id: UKF-004
#   kind: block
#   reads: [resources]
#   remediation: >-
#     Back up its data, then delete the instance as described in "Deleting
#     eCloud VPC instances"
#     (https://docs.ukfast.co.uk/ecloud/ecloud-vpc/instances.html#delete-instances).
#     Deleting an instance leaves its floating IPs and volumes behind: release
#     or delete those too (UKF-010).
#   after: [UKF-007]
deny contains finding if {
	some i, r in uncontracted("ukfast.ecloud_vpc_instance")
	finding := {
		"id": "UKF-004",
		"msg": sprintf("%s is not in contract and still exists%s", [describe(r), status_suffix(r)]),
		"pointer": sprintf("/resources/%d", [i]),
	}
}

# METADATA
# title: An eCloud VPC not in contract still exists
# description: >-
#   A ukfast.ecloud_vpc that is not in contract has not been deleted. The
#   message lists what the VPC still holds (instances, floating IPs, volumes).
# related_resources:
#   - ref: seeds/ukfast-close-account.md
#     description: >-
#       "Do you have any products/services not in contract that can be removed?"
# custom:
#   id: UKF-005
#   kind: block
#   reads: [resources]
#   remediation: >-
#     A VPC can only be deleted once it is empty: delete its instances and
#     release its floating IPs and volumes first, then delete the VPC as
#     described in "Deleting an eCloud VPC"
#     (https://docs.ukfast.co.uk/ecloud/ecloud-vpc/vpc.html#deleting-your-vpc).
#   after: [UKF-004, UKF-010]
deny contains finding if {
	some i, vpc in uncontracted("ukfast.ecloud_vpc")
	finding := {
		"id": "UKF-005",
		"msg": sprintf("%s is not in contract and still exists%s%s", [describe(vpc), status_suffix(vpc), vpc_contents(vpc)]),
		"pointer": sprintf("/resources/%d", [i]),
	}
}

vpc_child_kinds := [
	{"type": "ukfast.ecloud_vpc_instance", "plural": "instances"},
	{"type": "ukfast.ecloud_floating_ip", "plural": "floating IPs"},
	{"type": "ukfast.ecloud_volume", "plural": "volumes"},
]

# ", holding instances i-1; floating IPs fip-1", or "" for an empty VPC.
vpc_contents(vpc) := sprintf(", holding %s", [concat("; ", parts)]) if {
	parts := [part |
		some kind in vpc_child_kinds
		ids := object.get(vpc_children, child_key(kind.type, vpc.id), [])
		count(ids) > 0
		part := sprintf("%s %s", [kind.plural, lib.list_text(ids, 20)])
	]
	count(parts) > 0
} else := ""

# What each VPC holds, grouped once per snapshot: {"<type> <vpc id>": [ids]}
# (a string key: object.get reads an array key as a path).
child_key(type, vpc_id) := concat(" ", [type, vpc_id])

vpc_children := lib.group_pairs([[child_key(r.type, r.parent_id), r.id] |
	some r in input.resources
	r.type in vpc_child_types
	exists(r)
	is_string(r.parent_id)
])

vpc_child_types := {kind.type | some kind in vpc_child_kinds}

# METADATA
# title: A Shared Exchange domain not in contract still exists
# description: >-
#   A ukfast.shared_exchange_domain that is not in contract has not been
#   deleted.
# related_resources:
#   - ref: seeds/ukfast-close-account.md
#     description: >-
#       "Do you have any products/services not in contract that can be removed?"
# custom:
#   id: UKF-006
#   kind: block
#   reads: [resources]
#   remediation: >-
#     Back up its mailboxes, then delete the domain in the Shared Exchange
#     portal (https://portal.ans.co.uk/shared-exchange/index.php).
#   after: [UKF-007]
deny contains finding if {
	some i, r in uncontracted("ukfast.shared_exchange_domain")
	finding := {
		"id": "UKF-006",
		"msg": sprintf("%s is not in contract and still exists%s", [describe(r), status_suffix(r)]),
		"pointer": sprintf("/resources/%d", [i]),
	}
}

# METADATA
# title: Data on a resource has no recent backup
# description: >-
#   A resource that exists holds data and has no backup (last_backup_at absent
#   or null) or was last backed up more than 30 days before the export.
# related_resources:
#   - ref: seeds/ukfast-close-account.md
#     description: >-
#       "Have you backed up any existing data you may have on your servers?"
# custom:
#   id: UKF-007
#   kind: warn
#   reads: [resources]
#   remediation: >-
#     Take a fresh copy of the data before anything is deleted: back up MySQL
#     databases (https://docs.ukfast.co.uk/operatingsystems/linux/mysql/backups.html)
#     and transfer files off the server
#     (https://docs.ukfast.co.uk/operatingsystems/windows/commonissues/copyfiletoserver.html).
#     Once the account is closed the data cannot be recovered.
warn contains finding if {
	some i, r in input.resources
	exists(r)
	r.holds_data == true
	problem := backup_problem(r)
	finding := {
		"id": "UKF-007",
		"msg": sprintf("%s holds data and %s", [describe(r), problem]),
		"pointer": sprintf("/resources/%d/last_backup_at", [i]),
	}
}

# Undefined (no finding) when the last backup is at most 30 days old.
backup_problem(r) := "has no backup on record" if {
	not backed_up(r)
} else := sprintf("was last backed up %s, a time closeout cannot place", [r.last_backup_at]) if {
	not placeable(r.last_backup_at)
} else := sprintf("was last backed up %s, more than 30 days before the export", [r.last_backup_at]) if {
	exported_at_ns - timestamp_ns(r.last_backup_at) > 30 * day_ns
}

# last_backup_at absent or null means no backup. The test takes the resource,
# not the field, so that `not backed_up(r)` holds in OPA when the field is absent.
backed_up(r) if is_string(r.last_backup_at)

# METADATA
# title: Outstanding bills
# description: >-
#   An invoice still has an amount due, or a query about an invoice is still
#   open.
# related_resources:
#   - ref: seeds/ukfast-close-account.md
#     description: >-
#       "Do you have any outstanding bills? You can check this within the
#       [**Billing**](https://docs.ukfast.co.uk/myukfast/billing.html) section
#       of MyUKFast."
# custom:
#   id: UKF-008
#   kind: block
#   reads: [billing.invoices, billing.invoice_queries]
#   remediation: >-
#     Pay the outstanding amount in the Billing section of MyUKFast
#     (https://docs.ukfast.co.uk/myukfast/billing.html), and have any open
#     invoice query resolved with the accounts team, then export a fresh
#     snapshot.
deny contains finding if {
	some problem in billing_problems
	finding := {"id": "UKF-008", "msg": problem.msg, "pointer": problem.pointer}
}

billing_problems contains {"msg": msg, "pointer": sprintf("/billing/invoices/%d", [i])} if {
	some i, inv in input.billing.invoices
	inv.amount_due > 0
	msg := sprintf("invoice %s still has %v%s due (status %s)", [inv.id, inv.amount_due, currency_suffix, inv.status])
}

billing_problems contains {"msg": msg, "pointer": sprintf("/billing/invoice_queries/%d", [i])} if {
	some i, q in input.billing.invoice_queries
	q.status == "open"
	msg := sprintf("invoice query %s about invoice %s is still open", [q.id, object.get(q, "invoice_id", "(unknown)")])
}

currency_suffix := sprintf(" %s", [input.billing.currency]) if {
	is_string(input.billing.currency)
} else := ""

# METADATA
# title: Closure goes through the Account Manager
# description: >-
#   Every UKFast account is cancelled or closed by contacting its Account
#   Manager; there is no self-service closure.
# related_resources:
#   - ref: seeds/ukfast-close-account.md
#     description: >-
#       "In order to begin the process of cancellation or account closure, you
#       will need to contact your
#       [**Account Manager**](https://portal.ans.co.uk/account/your-account-manager.php)."
# custom:
#   id: UKF-009
#   kind: info
#   reads: []
#   remediation: >-
#     Contact your Account Manager by telephone or email: their details are on
#     the My Account Manager page in MyUKFast (My Account > My Account Manager,
#     https://portal.ans.co.uk/account/your-account-manager.php), where you can
#     also send them a message asking for a call back at a specific date and
#     time.
#   after: all
info contains finding if {
	finding := {
		"id": "UKF-009",
		"msg": sprintf("closing account %s goes through its UKFast Account Manager", [account_label]),
		"pointer": "/account",
	}
}

account_label := sprintf("\"%s\" (%s)", [input.account.name, input.account.id]) if {
	is_string(input.account.name)
} else := object.get(input.account, "id", "(unknown)")

# METADATA
# title: A floating IP or volume not in contract still exists
# description: >-
#   A ukfast.ecloud_floating_ip or ukfast.ecloud_volume that is not in contract
#   still exists; it keeps charging after its instance is deleted.
# related_resources:
#   - ref: seeds/ukfast-close-account.md
#     description: >-
#       "Do you have any products/services not in contract that can be removed?"
# custom:
#   id: UKF-010
#   kind: block
#   reads: [resources]
#   remediation: >-
#     Deleting an instance does not delete its floating IPs or volumes, which
#     keep charging: release each floating IP and delete each volume in the
#     eCloud VPC section of the portal (see
#     https://docs.ukfast.co.uk/ecloud/ecloud-vpc/instances.html#delete-instances).
#   after: [UKF-004]
deny contains finding if {
	some type, undo in {"ukfast.ecloud_floating_ip": "released", "ukfast.ecloud_volume": "deleted"}
	some i, r in uncontracted(type)
	finding := {
		"id": "UKF-010",
		"msg": sprintf("%s is not in contract and still exists%s; it keeps charging until it is %s", [describe(r), status_suffix(r), undo]),
		"pointer": sprintf("/resources/%d", [i]),
	}
}

# METADATA
# title: An operation on a resource is in flight or has failed
# description: >-
#   A resource's state is changing (an operation is in flight) or failed (a
#   provision or deprovision failed), whatever its type and contract.
# related_resources:
#   - ref: seeds/ukfast-close-account.md
#     description: >-
#       "Before cancelling your account, please consider contacting support on
#       0161 215 3711 to help you troubleshoot any existing issues you may have."
# custom:
#   id: UKF-011
#   kind: block
#   reads: [resources]
#   remediation: >-
#     Wait for a changing resource's operation to finish and export a fresh
#     snapshot. A failed one will not recover by itself: call support on
#     0161 215 3711 or raise a support ticket via the Priority Support System.
deny contains finding if {
	some i, r in input.resources
	r.state in {"changing", "failed"}
	finding := {
		"id": "UKF-011",
		"msg": sprintf("%s is %s%s", [describe(r), r.state, status_suffix(r)]),
		"pointer": sprintf("/resources/%d", [i]),
	}
}
