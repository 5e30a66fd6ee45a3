package closeout.common

import rego.v1

# Conditions that apply to every snapshot, whatever its provider.

day_ns := ((24 * 60) * 60) * 1000000000

# GEN-001's limit in days; closeout always passes it (default 7), the fallback
# keeps the policy usable under plain `opa eval`.
max_export_age_days := object.get(data.closeout.context, "max_export_age_days", 7)

# exported_at in nanoseconds. The snapshot schema has already checked that it
# is an RFC 3339 date-time, which may spell its "T" and "Z" in lower case
# ("2026-11-01t10:00:00z"): OPA's time.parse_rfc3339_ns (Go) accepts only the
# upper-case letters, so the value is upper-cased first (digits, "-", ":", "+"
# and "." are unaffected). No further shape check: a value the schema would
# reject (only reachable without closeout, e.g. plain `opa eval`) makes the
# evaluation fail instead of letting a snapshot of unknown age pass.
exported_at_ns := time.parse_rfc3339_ns(upper(input.exported_at)) if is_string(input.exported_at)

export_age_ns := data.closeout.context.now_ns - exported_at_ns

# Case kinds that hold an account open whatever the provider.
holding_case_kinds := {"dispute", "chargeback", "litigation", "legal_hold"}

# METADATA
# title: The snapshot is too old
# description: >-
#   exported_at is more than the allowed age before now (the context's
#   max_export_age_days, default 7 days): a decision that cannot be undone
#   must rest on the account as it is today.
# related_resources:
#   - ref: seeds/tencentcloud-account-cancellation.md
#     description: >-
#       "Once an account has been cancelled, it cannot be restored."
# custom:
#   id: GEN-001
#   kind: block
#   remediation: >-
#     Export a fresh snapshot of the account (its exported_at within the
#     allowed age, 7 days by default) and run closeout on it again: the
#     resources, balances, ports and cases may have changed since this one was
#     taken, and a cancelled account cannot be restored.
deny contains finding if {
	export_age_ns > max_export_age_days * day_ns
	finding := {
		"id": "GEN-001",
		"msg": sprintf("snapshot %s was exported at %s, %.1f days before now (limit %v days)", [
			object.get(input, "snapshot_id", "(no id)"), input.exported_at,
			export_age_ns / day_ns, max_export_age_days,
		]),
		"pointer": "/exported_at",
	}
}

# METADATA
# title: A dispute, chargeback, litigation or legal hold is open
# description: >-
#   A case of kind dispute, chargeback, litigation or legal_hold has status
#   open: the account must not be closed while it is pending.
# related_resources:
#   - ref: seeds/tencentcloud-account-cancellation.md
#     description: >-
#       "You submit an account cancellation request, not in order to avoid
#       complaints, disputes, litigations that are happening or about to
#       happen, and not in order to avoid the supervision of the competent
#       authorities or the relevant provisions of laws and regulations."
# custom:
#   id: GEN-002
#   kind: block
#   remediation: >-
#     Resolve the dispute, chargeback or litigation and close its case first;
#     for a legal hold, keep the account (and its data) until the hold is
#     lifted and the case is closed. An account must not be cancelled to avoid
#     disputes or litigation that are happening or about to happen.
deny contains finding if {
	some i, case in input.cases
	case.kind in holding_case_kinds
	case.status == "open"
	finding := {
		"id": "GEN-002",
		"msg": sprintf("%s case %s is open%s", [
			replace(case.kind, "_", " "), case.id, opened_text(case),
		]),
		"pointer": sprintf("/cases/%d", [i]),
	}
}

opened_text(case) := sprintf(" since %s", [case.opened_at]) if {
	is_string(case.opened_at)
} else := ""
