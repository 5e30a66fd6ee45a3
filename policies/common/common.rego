package closeout.common

import rego.v1

import data.closeout.lib

# Conditions that apply to every snapshot, whatever its provider.

day_ns := ((24 * 60) * 60) * 1000000000

# GEN-001's limit in days; closeout always passes it (default 7), the fallback
# keeps the policy usable under plain `opa eval`.
max_export_age_days := object.get(data.closeout.context, "max_export_age_days", 7)

# exported_at in nanoseconds. The snapshot schema has already checked that it
# is an RFC 3339 date-time, which may spell its "T" and "Z" in lower case
# ("2026-11-01t10:00:00z"): OPA's time.parse_rfc3339_ns (Go) accepts only the
# upper-case letters, so the value is upper-cased first (digits, "-", ":", "+"
# and "." are unaffected).
#
# Nanoseconds since 1970 in 64 bits reach only 1677-09-21 to 2262-04-11, so a
# time outside the years 1678 to 2261 is not parsed at all (the parse would
# fail, and a failing rule must never let a snapshot pass): GEN-001 blocks it
# as a time that cannot be placed.
exported_year := lib.year_of(input.exported_at) if is_string(input.exported_at)

exported_at_placeable if {
	exported_year >= 1678
	exported_year <= 2261
}

exported_at_ns := time.parse_rfc3339_ns(upper(input.exported_at)) if exported_at_placeable

export_age_ns := data.closeout.context.now_ns - exported_at_ns

# A clock may run a little ahead of another: up to 5 minutes is not the future.
clock_skew_ns := (5 * 60) * 1000000000

snapshot_label := object.get(input, "snapshot_id", "(no id)")

# "19.6": days to one decimal, written from whole numbers so that OPA and
# regorus print the same text (OPA prints a whole float given to "%.1f" as
# "%!f(int64=51)").
days_text(ns) := sprintf("%d.%d", [whole, tenths - (whole * 10)]) if {
	tenths := round((ns * 10) / day_ns)
	whole := floor(tenths / 10)
}

# Case kinds that hold an account open whatever the provider.
holding_case_kinds := {"dispute", "chargeback", "litigation", "legal_hold"}

# METADATA
# title: The snapshot is too old or its export time is wrong
# description: >-
#   exported_at is more than the allowed age before now (the context's
#   max_export_age_days, default 7 days), more than 5 minutes after now (a
#   snapshot from the future is a clock error or a forgery), or a time that
#   cannot be placed at all: a decision that cannot be undone must rest on the
#   account as it is today.
# related_resources:
#   - ref: seeds/tencentcloud-account-cancellation.md
#     description: >-
#       "Once an account has been cancelled, it cannot be restored."
# custom:
#   id: GEN-001
#   kind: block
#   reads: [exported_at]
#   remediation: >-
#     Export a fresh snapshot of the account (its exported_at within the
#     allowed age, 7 days by default) and run closeout on it again: the
#     resources, balances, ports and cases may have changed since this one was
#     taken, and a cancelled account cannot be restored. A snapshot dated in
#     the future or outside any plausible time means the exporter's clock (or
#     the file) is wrong: check it before exporting again.
deny contains finding if {
	some msg in export_time_problems
	finding := {"id": "GEN-001", "msg": msg, "pointer": "/exported_at"}
}

export_time_problems contains msg if {
	export_age_ns > max_export_age_days * day_ns
	msg := sprintf("snapshot %s was exported at %s, %s days before now (limit %d days)", [
		snapshot_label, input.exported_at,
		days_text(export_age_ns), max_export_age_days,
	])
}

export_time_problems contains msg if {
	export_age_ns < 0 - clock_skew_ns
	msg := sprintf("snapshot %s was exported at %s, more than 5 minutes after now (%s): a snapshot from the future is a clock error or a forgery", [
		snapshot_label, input.exported_at, data.closeout.context.now,
	])
}

export_time_problems contains msg if {
	not exported_at_placeable
	msg := sprintf("snapshot %s was exported at %s, a time closeout cannot place (it reckons times from 1678 to 2261): the export date is wrong", [
		snapshot_label, object.get(input, "exported_at", "(no time)"),
	])
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
#   reads: [cases]
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

# METADATA
# title: A part of the account the conditions read is unknown
# description: >-
#   The snapshot's unknown list names a path that a condition of its provider
#   (or a common one) reads: the path equals, contains or lies inside one of
#   the paths the condition declares in its annotation (custom.reads). Or a
#   single-valued fact a condition needs in order to decide is absent or null,
#   and the catalogue gives its absence no meaning of its own: the provider's
#   package lists those as missing_facts.
# related_resources:
#   - ref: seeds/tencentcloud-account-cancellation.md
#     description: >-
#       "Once an account has been cancelled, it cannot be restored."
# custom:
#   id: GEN-003
#   kind: block
#   reads: []
#   remediation: >-
#     Export that part of the account (or state it by hand in the import
#     manifest) and check again. An exporter that cannot read a part of the
#     account lists it in unknown; closeout cannot decide a condition on what
#     was never seen, and a cancelled account cannot be restored.
deny contains finding if {
	some gap in export_gaps
	finding := {"id": "GEN-003", "msg": gap.msg, "pointer": gap.pointer}
}

export_gaps contains {"msg": msg, "pointer": sprintf("/unknown/%d", [i])} if {
	some i, path in input.unknown
	ids := sort({id | some id, paths in applicable_reads; some read in paths; overlaps(path, read)})
	count(ids) > 0
	msg := sprintf("the export could not see %s (listed in unknown), read by %s, which cannot be decided without it", [path, concat(", ", ids)])
}

# Without the table of what each condition reads (closeout always passes it;
# plain `opa eval` may not), no unknown path can be shown not to matter.
export_gaps contains {"msg": msg, "pointer": sprintf("/unknown/%d", [i])} if {
	not reads_given
	some i, path in input.unknown
	msg := sprintf("the export could not see %s (listed in unknown), and no table of what the conditions read was given to tell whether it matters", [path])
}

export_gaps contains {"msg": msg, "pointer": fact.pointer} if {
	some fact in data.closeout.facts[input.provider].missing_facts
	msg := sprintf("the snapshot does not give %s (absent or null), which %s needs to decide", [fact.path, concat(", ", sort(fact.ids))])
}

reads_given if is_object(data.closeout.reads)

# What each condition that applies to this snapshot reads: the common
# conditions' and its provider's, from their annotations (custom.reads).
applicable_reads[id] := paths if {
	reads_given
	some id, paths in object.get(data.closeout.reads, "common", {})
}

applicable_reads[id] := paths if {
	reads_given
	some id, paths in object.get(data.closeout.reads, input.provider, {})
}

# Dotted paths overlap when they are equal or one lies inside the other.
overlaps(a, b) if a == b

overlaps(a, b) if startswith(b, concat("", [a, "."]))

overlaps(a, b) if startswith(a, concat("", [b, "."]))
