package closeout.sipstation

import rego.v1

# SIPStation closes a whole location: "Cancel one or more Locations" removes
# every service of that location, DIDs included. The conditions below read
# `telephony` and `request`; none reads billing except SIP-006's cycle end,
# because an unpaid balance never gates a port-out (FCC and Ofcom forbid
# refusing a port for debt).

# Port-out statuses of a port that is still under way.
in_flight_statuses := {"pending", "authorized", "foc_received"}

# Port-out statuses of a port that will not move the numbers any more.
finished_statuses := {"completed", "cancelled", "rejected"}

# Nanoseconds since the epoch of a `YYYY-MM-DD` date; undefined when the value
# is absent. The snapshot schema has checked every date before policies run.
date_ns(d) := time.parse_rfc3339_ns(concat("", [d, "T00:00:00Z"])) if is_string(d)

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

foc_after_requested_date(port_out) if {
	date_ns(port_out.foc_date) > date_ns(input.request.requested_date)
}

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

