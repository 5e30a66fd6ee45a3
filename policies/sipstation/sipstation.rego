package closeout.sipstation

import rego.v1

import data.closeout.lib

# SIPStation closes a whole location: "Cancel one or more Locations" removes
# every service of that location, DIDs included. The conditions below read
# `telephony` and `request`; none reads billing except SIP-006's cycle end,
# because an unpaid balance never gates a port-out (FCC and Ofcom forbid
# refusing a port for debt).

# Port-out statuses of a port that is still under way.
in_flight_statuses := {"pending", "authorized", "foc_received"}

# Port-out statuses of a port that will not move the numbers any more.
finished_statuses := {"completed", "cancelled", "rejected"}

# Dates (`YYYY-MM-DD`, checked by the snapshot schema before policies run)
# compare as text and count as day numbers, never as nanoseconds, which stop
# at 2262: a date in 9999 must still be compared, not make a rule fail.
later_date(a, b) if {
	is_string(a)
	is_string(b)
	a > b
}

has_text(value) if {
	is_string(value)
	trim_space(value) != ""
}

# The request names a location when request.location_id is a non-empty string.
request_names_location if has_text(input.request.location_id)

# An object (DID, port-out, service) is at the request's location when its
# location_id is the request's one; when the request names no location, the
# whole account is being closed and every object counts.
at_request_location(_) if not request_names_location

at_request_location(obj) if obj.location_id == input.request.location_id

numbers_text(port_out) := concat(", ", port_out.numbers) if {
	is_array(port_out.numbers)
	count(port_out.numbers) > 0
} else := "no listed number"

foc_text(port_out) := sprintf("FOC %s", [port_out.foc_date]) if {
	has_text(port_out.foc_date)
} else := "no FOC date yet"

# Port-outs that are still under way: an in-flight status, or an unfinished
# one whose FOC (firm order commitment) date falls after the requested date.
ports_in_flight contains i if {
	some i, port_out in input.telephony.port_outs
	port_out.status in in_flight_statuses
}

ports_in_flight contains i if {
	some i, port_out in input.telephony.port_outs
	not finished(port_out)
	foc_after_requested_date(port_out)
}

# Takes the port-out, not its status: `not port_out.status in ...` is undefined
# in OPA (not true) when status is absent (open-policy-agent/opa#1877).
finished(port_out) if port_out.status in finished_statuses

foc_after_requested_date(port_out) if later_date(port_out.foc_date, input.request.requested_date)

port_in_flight_msg(port_out) := msg if {
	foc_after_requested_date(port_out)
	msg := sprintf("port-out %s of %s is %s, %s, after the requested date %s", [
		port_out.id, numbers_text(port_out), status_text(port_out),
		foc_text(port_out), input.request.requested_date,
	])
} else := sprintf("port-out %s of %s is %s, %s", [
	port_out.id, numbers_text(port_out), status_text(port_out), foc_text(port_out),
])

status_text(obj) := obj.status if {
	is_string(obj.status)
} else := "without a status"

# METADATA
# title: A port-out is still in progress
# description: >-
#   A port-out has status pending, authorized or foc_received, or a port-out
#   that is not completed, cancelled or rejected has a FOC date after the
#   requested cancellation date. Cancelling before the port completes loses
#   the numbers.
# related_resources:
#   - ref: seeds/sipstation-close-account.md
#     description: >-
#       "please wait to cancel your account until after the port has been
#       completed. Otherwise, you may permanently lose your numbers."
# custom:
#   id: SIP-001
#   kind: block
#   reads: [telephony.port_outs, request.requested_date]
#   remediation: >-
#     Wait to cancel until your new carrier has completed the port (the
#     port-out shows completed) and, when its FOC date falls after the requested
#     cancellation date, move the requested date past the FOC date. Cancelling
#     the location while a port is in flight removes the DIDs and you may
#     permanently lose your numbers. If the port is no longer wanted, cancel it
#     with the gaining carrier first. An unpaid SIPStation balance is no reason
#     to hold the port: carriers may not refuse a port for debt.
deny contains finding if {
	some i in ports_in_flight
	port_out := input.telephony.port_outs[i]
	finding := {
		"id": "SIP-001",
		"msg": port_in_flight_msg(port_out),
		"pointer": sprintf("/telephony/port_outs/%d", [i]),
	}
}

# METADATA
# title: A port-out was rejected
# description: >-
#   A port-out has status rejected: the numbers have not left SIPStation, and
#   cancelling now would remove them for good.
# related_resources:
#   - ref: seeds/sipstation-close-account.md
#     description: >-
#       "You will not be able to get the phone numbers back again or port them
#       to another carrier."
# custom:
#   id: SIP-007
#   kind: block
#   reads: [telephony.port_outs]
#   remediation: >-
#     Fix the port request with your new carrier (the letter of authorisation,
#     the account or PIN details, the service address or the carrier data that
#     caused the rejection) and resubmit it, then wait for the port to
#     complete before cancelling. If you no longer want to port the numbers,
#     change each number's disposition instead: move it to another SIPStation
#     account or mark it not needed. Once the location is cancelled you will
#     not be able to get the numbers back or port them to another carrier.
deny contains finding if {
	some i, port_out in input.telephony.port_outs
	port_out.status == "rejected"
	finding := {
		"id": "SIP-007",
		"msg": sprintf("port-out %s of %s was rejected", [port_out.id, numbers_text(port_out)]),
		"pointer": sprintf("/telephony/port_outs/%d", [i]),
	}
}

# METADATA
# title: A DID of the location has no disposition
# description: >-
#   A DID at the request's location (every DID when the request names no
#   location) has disposition undecided: cancelling the location removes it.
# related_resources:
#   - ref: seeds/sipstation-close-account.md
#     description: >-
#       "Please verify that all DID's associated with this location have been
#       either ported, moved to another account, or are no longer needed."
# custom:
#   id: SIP-002
#   kind: block
#   reads: [telephony.dids, request.location_id]
#   remediation: >-
#     Decide each DID of the location before cancelling it, because "Cancel
#     one or more Locations" removes all services of the location, DIDs
#     included: port it out to your new carrier, move it to another SIPStation
#     account, or record that it is no longer needed. To remove only some DIDs
#     or trunks and keep the account, follow the wiki page "Removing Services
#     or DIDs from your existing SIPSTATION account".
deny contains finding if {
	some i, did in input.telephony.dids
	at_request_location(did)
	did.disposition == "undecided"
	finding := {
		"id": "SIP-002",
		"msg": sprintf("DID %s at location %s is undecided (not ported, moved or marked not needed)", [
			did.number, object.get(did, "location_id", "(none)"),
		]),
		"pointer": sprintf("/telephony/dids/%d", [i]),
	}
}

# The fields of the Cancel Services form that the request leaves empty. The
# negations go through argument-less rules: `not has_text(input.request.reason)`
# is undefined in OPA (not true) when the field is absent, because OPA pulls
# the absent reference out of the negated call (open-policy-agent/opa#1877).
missing_form_fields contains {
	"msg": "the cancellation request has no requested cancellation date",
	"pointer": "/request/requested_date",
} if {
	not requested_date_given
}

missing_form_fields contains {
	"msg": "the cancellation request gives no reason for cancellation",
	"pointer": "/request/reason",
} if {
	not reason_given
}

requested_date_given if has_text(input.request.requested_date)

reason_given if has_text(input.request.reason)

# METADATA
# title: The cancellation form is incomplete
# description: >-
#   The request has no requested cancellation date, or its reason is absent
#   or empty. All fields of the Cancel Services form are required.
# related_resources:
#   - ref: seeds/sipstation-close-account.md
#     description: >-
#       "Please provide the requested date and reason for cancellation.
#       Complete the form to submit the request."
# custom:
#   id: SIP-003
#   kind: block
#   reads: [request.requested_date, request.reason]
#   remediation: >-
#     Fill in every field of the Cancel Services form (all fields are
#     required): the Requested Cancellation Date and the Reason for
#     Cancellation. Log into the SIPStation Store, open Customer Service, use
#     the "Cancel one or more Locations" link and complete the form.
deny contains finding if {
	some field in missing_form_fields
	finding := {"id": "SIP-003", "msg": field.msg, "pointer": field.pointer}
}

# METADATA
# title: The cancellation is not confirmed
# description: >-
#   request.confirmed is not true: the switch that prevents accidental
#   cancellation is not in the on position.
# related_resources:
#   - ref: seeds/sipstation-close-account.md
#     description: >-
#       "You must move the switch to the on position. This is to help prevent
#       accidental cancellation."
# custom:
#   id: SIP-004
#   kind: block
#   reads: [request.confirmed]
#   remediation: >-
#     On the page that displays the location to cancel, move the switch to the
#     on position, click Cancel Services and confirm the cancellation when
#     prompted. Customer Success then contacts you within 2 business days to
#     confirm (customersuccess@sangoma, 256.428.6175).
#   after: [SIP-003]
deny contains finding if {
	not input.request.confirmed == true
	finding := {
		"id": "SIP-004",
		"msg": "the cancellation is not confirmed (the confirmation switch is not on)",
		"pointer": "/request/confirmed",
	}
}

# A completed port-out and an active service belong together when both are at
# the request's location and at the same location. When the request names a
# location, that means both carry its location_id. When it names none, the
# whole account is being closed and every object is at "the request's
# location": two objects with different location_ids are still at different
# locations, but an object without a location_id cannot be placed anywhere but
# the account as a whole, so it is paired with every counterpart.
port_relates_to_service(port_out, service) if {
	at_request_location(port_out)
	port_out.location_id == service.location_id
}

port_relates_to_service(port_out, _) if {
	not request_names_location
	not located(port_out)
}

port_relates_to_service(_, service) if {
	not request_names_location
	not located(service)
}

located(obj) if has_text(obj.location_id)

# The completed port-outs related to a service, for SIP-005's message: the
# ids to show and how many there are. The port-outs are grouped by location
# once per snapshot (a search of every port-out for each service would be
# quadratic): those with a location pair with the services at the same one,
# those without pair with every service when the request names no location,
# and a service without a location pairs with every completed port-out then.
related_ports(service) := {"ids": completed_ids, "count": count(completed_ids)} if {
	not request_names_location
	not located(service)
} else := {"ids": ids, "count": count(here) + count(unplaced)} if {
	here := located_ports_for(service)
	unplaced := unplaced_ports
	ids := sort(array.concat(array.slice(here, 0, 20), array.slice(unplaced, 0, 20)))
}

completed_ports := [port_out | some port_out in input.telephony.port_outs; port_out.status == "completed"]

completed_ids := sort([port_out.id | some port_out in completed_ports])

completed_by_location := lib.group_pairs([[port_out.location_id, port_out.id] |
	some port_out in completed_ports
	located(port_out)
])

located_ports_for(service) := object.get(completed_by_location, service.location_id, []) if {
	located(service)
	not request_names_location
} else := object.get(completed_by_location, service.location_id, []) if {
	located(service)
	service.location_id == input.request.location_id
} else := []

unplaced_ports := sort([port_out.id | some port_out in completed_ports; not located(port_out)]) if {
	not request_names_location
} else := []

location_phrase(obj) := sprintf(" at location %s", [obj.location_id]) if {
	located(obj)
} else := " (no location recorded)"

# METADATA
# title: Services still billed after a completed port
# description: >-
#   A port-out at the request's location is completed while a service at that
#   same location is still active: it keeps being billed monthly and no
#   refunds are given. When the request names no location (the whole account
#   closes), a port-out or service without a location_id is paired with every
#   counterpart.
# related_resources:
#   - ref: seeds/sipstation-close-account.md
#     description: >-
#       "Do not forget to cancel the related SIPStation services after the port
#       process has been completed by your new carrier."
# custom:
#   id: SIP-005
#   kind: warn
#   reads: [telephony.port_outs, telephony.services, request.location_id]
#   remediation: >-
#     Cancel the remaining SIPStation services of the location now that the
#     port has completed: otherwise you will continue to be billed monthly for
#     all of your services, and no refunds are given under the SIPStation Terms
#     and Conditions. Log into the SIPStation Store, open Customer Service and
#     use "Cancel one or more Locations".
warn contains finding if {
	some i, service in input.telephony.services
	service.status == "active"
	ports := related_ports(service)
	ports.count > 0
	finding := {
		"id": "SIP-005",
		"msg": sprintf("%s %s%s is still active after port-out %s completed: it keeps being billed monthly", [
			object.get(service, "kind", "service"), service.id, location_phrase(service),
			lib.list_of(ports.ids, ports.count, 20),
		]),
		"pointer": sprintf("/telephony/services/%d", [i]),
	}
}

# METADATA
# title: No refund for the rest of the billing cycle
# description: >-
#   The requested date is before billing.cycle_end: no refund is given for the
#   remaining days of the cycle, and cancelled numbers cannot be recovered.
# related_resources:
#   - ref: seeds/sipstation-close-account.md
#     description: >-
#       "No refunds are given for any remaining days of the current billing
#       cycle."
# custom:
#   id: SIP-006
#   kind: warn
#   reads: [request.requested_date, billing.cycle_end]
#   remediation: >-
#     Move the requested cancellation date to the end of the billing cycle to
#     use the days already paid for, or accept that no refunds are given for
#     the remaining days of the current billing cycle (SIPStation Terms and
#     Conditions). Cancellation cannot be undone: you will not be able to get
#     the phone numbers back again or port them to another carrier.
warn contains finding if {
	later_date(input.billing.cycle_end, input.request.requested_date)
	days := lib.day_number(input.billing.cycle_end) - lib.day_number(input.request.requested_date)
	finding := {
		"id": "SIP-006",
		"msg": sprintf("the requested date %s is %d days before the billing cycle ends on %s: those days are not refunded, and cancelled numbers cannot be recovered", [
			input.request.requested_date, days, input.billing.cycle_end,
		]),
		"pointer": "/request/requested_date",
	}
}
