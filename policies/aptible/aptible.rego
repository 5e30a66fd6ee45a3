package closeout.aptible

import rego.v1

import data.closeout.lib

# Aptible's cancellation guide is an ordered teardown: export databases, delete
# drains, deprovision apps, then databases, then backups, then environments,
# and finally file the deletion request for a dedicated stack or paid support.
# Each step is one condition; `after` carries the order into the fix plan.

# METADATA
# title: Database data has not been exported
# description: >-
#   A database that exists has no entry in data_exports, or a database backup
#   that exists belongs to a database (its database_id) that has no entry in
#   data_exports.
# related_resources:
#   - ref: seeds/aptible-cancel-account.md
#     description: >-
#       "Export any [database](/core-concepts/managed-databases/overview) data
#       that you need."
# custom:
#   id: APT-001
#   kind: block
#   reads: [resources, data_exports]
#   remediation: >-
#     Export the data you need before anything is deprovisioned: open a tunnel
#     with `aptible db:tunnel <database>` and use whichever tool your database
#     supports (pg_dump, mysqldump, mongodump, ...) to dump the database to your
#     computer. To export an Aptible backup, restore the backup to a new
#     database first (Database Backups > Restore), then export that database
#     through `aptible db:tunnel` and deprovision it again. Record each export
#     in the snapshot's data_exports.
deny contains finding if {
	some item in unexported
	finding := {"id": "APT-001", "msg": item.msg, "pointer": item.pointer}
}

# METADATA
# title: A metric drain still exists
# description: An aptible.metric_drain resource exists.
# related_resources:
#   - ref: seeds/aptible-cancel-account.md
#     description: >-
#       "[Metric drains](/core-concepts/observability/metrics/metrics-drains/overview)
#       for an [environment](/core-concepts/architecture/environments) can be
#       deleted by navigating to the environment's **Metric Drains** tab in the
#       dashboard."
# custom:
#   id: APT-002
#   kind: block
#   reads: [resources]
#   remediation: >-
#     Delete the metric drain: in the Aptible dashboard open the environment,
#     go to its Metric Drains tab and delete the drain.
deny contains finding if {
	some i, r in input.resources
	r.type == "aptible.metric_drain"
	exists(r)
	finding := {
		"id": "APT-002",
		"msg": sprintf("metric drain %s still exists", [label(r)]),
		"pointer": sprintf("/resources/%d", [i]),
	}
}

# METADATA
# title: A log drain still exists
# description: An aptible.log_drain resource exists.
# related_resources:
#   - ref: seeds/aptible-cancel-account.md
#     description: >-
#       "Log drains for an [environment](/core-concepts/architecture/environments)
#       can be deleted by navigating to the environment's **Log Drains** tab in
#       the dashboard."
# custom:
#   id: APT-003
#   kind: block
#   reads: [resources]
#   remediation: >-
#     Delete the log drain: in the Aptible dashboard open the environment, go
#     to its Log Drains tab and delete the drain.
deny contains finding if {
	some i, r in input.resources
	r.type == "aptible.log_drain"
	exists(r)
	finding := {
		"id": "APT-003",
		"msg": sprintf("log drain %s still exists", [label(r)]),
		"pointer": sprintf("/resources/%d", [i]),
	}
}

# METADATA
# title: An app is still provisioned
# description: >-
#   An aptible.app resource exists. Its endpoints are not reported on their
#   own: deprovisioning the app removes them.
# related_resources:
#   - ref: seeds/aptible-cancel-account.md
#     description: >-
#       "Deprovisioning an [app](/core-concepts/apps/overview) automatically
#       deprovisions all of its
#       [endpoints](/core-concepts/apps/connecting-to-apps/app-endpoints/overview)
#       as well."
# custom:
#   id: APT-004
#   kind: block
#   reads: [resources]
#   remediation: >-
#     Deprovision the app from the dashboard or with the CLI:
#     `aptible apps:deprovision --app <app>`. Deprovisioning an app
#     automatically deprovisions all of its endpoints as well.
#   after: [APT-002, APT-003]
deny contains finding if {
	some i, r in input.resources
	r.type == "aptible.app"
	exists(r)
	finding := {
		"id": "APT-004",
		"msg": sprintf("app %s is still provisioned%s", [label(r), endpoints_note(r.id)]),
		"pointer": sprintf("/resources/%d", [i]),
	}
}

# METADATA
# title: A database is still provisioned
# description: >-
#   An aptible.database resource exists (a replica names its primary in
#   replica_of; a primary's replicas are deprovisioned before it).
# related_resources:
#   - ref: seeds/aptible-cancel-account.md
#     description: >-
#       "Deprovision your [databases](/core-concepts/managed-databases/overview)
#       from the dashboard or with the
#       [`aptible db:deprovision`](/reference/aptible-cli/cli-commands/cli-db-deprovision)
#       CLI command."
# custom:
#   id: APT-005
#   kind: block
#   reads: [resources]
#   remediation: >-
#     Deprovision the database from the dashboard or with the CLI:
#     `aptible db:deprovision <database>`, replicas before their primary.
#     Monthly and daily backups are deleted automatically with the database;
#     a final backup is kept and must be deleted afterwards (APT-006).
#   after: [APT-001, APT-004]
deny contains finding if {
	some i, r in input.resources
	r.type == "aptible.database"
	exists(r)
	finding := {
		"id": "APT-005",
		"msg": database_msg(r),
		"pointer": sprintf("/resources/%d", [i]),
	}
}

# METADATA
# title: A database backup still exists
# description: >-
#   An aptible.database_backup resource exists, final (kept after its database
#   was deprovisioned) or manual.
# related_resources:
#   - ref: seeds/aptible-cancel-account.md
#     description: >-
#       "Use the **delete all on page** option to delete the final backups for
#       your [databases](/core-concepts/managed-databases/overview)."
# custom:
#   id: APT-006
#   kind: block
#   reads: [resources]
#   remediation: >-
#     Delete the backups in the dashboard's Database Backups page, using the
#     "delete all on page" option for the final backups of your databases.
#     Aptible will no longer have a copy of your data once the backups are
#     deleted: create your own backup first if you need to retain the data.
#   after: [APT-001, APT-005]
deny contains finding if {
	some i, r in input.resources
	r.type == "aptible.database_backup"
	exists(r)
	finding := {
		"id": "APT-006",
		"msg": sprintf("%s backup %s%s still exists", [backup_kind(r), label(r), backup_of(r)]),
		"pointer": sprintf("/resources/%d", [i]),
	}
}

# METADATA
# title: An environment is still provisioned
# description: An aptible.environment resource exists.
# related_resources:
#   - ref: seeds/aptible-cancel-account.md
#     description: >-
#       "You can deprovision environments once all the resources in that
#       [environment](/core-concepts/architecture/environments) have been
#       deprovisioned."
# custom:
#   id: APT-007
#   kind: block
#   reads: [resources]
#   remediation: >-
#     Deprovision the environment from the dashboard once every resource in it
#     (apps, databases, backups, log and metric drains) has been deprovisioned;
#     until then the dashboard asks you to delete the remaining resources first.
#   after: [APT-002, APT-003, APT-004, APT-005, APT-006]
deny contains finding if {
	some i, r in input.resources
	r.type == "aptible.environment"
	exists(r)
	finding := {
		"id": "APT-007",
		"msg": sprintf("environment %s is still provisioned%s", [label(r), holdings_note(r.id)]),
		"pointer": sprintf("/resources/%d", [i]),
	}
}

# METADATA
# title: The account deletion request is incomplete
# description: >-
#   A dedicated stack exists or the support plan is premium or enterprise, so
#   Aptible must act on an account deletion request, and the request does not
#   confirm the organization name (organization_name_confirmation is absent or
#   differs from account.name, or the snapshot has no account.name to match)
#   or gives no cancellation reason.
# related_resources:
#   - ref: seeds/aptible-cancel-account.md
#     description: >-
#       "Confirm your organization name and provide a cancellation reason (both
#       required)."
# custom:
#   id: APT-008
#   kind: block
#   reads: [account.support_plan, account.name, request.organization_name_confirmation, request.reason, resources]
#   remediation: >-
#     Submit the account deletion request through the dashboard: open your
#     organization's settings, fill in the account deletion form, confirm your
#     organization name exactly and give a cancellation reason (both required).
#     The form opens a support ticket; until it is submitted you keep paying
#     for the dedicated stack and for Premium or Enterprise Support.
#   after: [APT-007]
deny contains finding if {
	deletion_request_needed
	some problem in deletion_request_problems
	finding := {
		"id": "APT-008",
		"msg": sprintf("%s, so Aptible cannot remove %s", [problem.msg, deletion_request_subject]),
		"pointer": problem.pointer,
	}
}

# METADATA
# title: A final invoice follows deprovisioning
# description: >-
#   The account has provisioned resources, so one more invoice will arrive for
#   the usage between the last invoice and deprovisioning.
# related_resources:
#   - ref: seeds/aptible-cancel-account.md
#     description: >-
#       "Final Invoice: Please note you will likely receive one more invoice
#       after deprovisioning for usage from the last invoice to the time of
#       deprovisioning."
# custom:
#   id: APT-009
#   kind: info
#   reads: []
#   remediation: >-
#     Expect one more invoice. Review your estimated monthly costs and future
#     invoices in the dashboard to verify that every resource has been
#     deprovisioned.
info contains finding if {
	count(input.resources) > 0
	finding := {
		"id": "APT-009",
		"msg": sprintf(
			"%d resource(s) were provisioned on this account: expect one more invoice for usage up to the time of deprovisioning",
			[count(input.resources)],
		),
		"pointer": "/resources",
	}
}

# METADATA
# title: A resource operation is in flight or failed
# description: >-
#   A resource's state is changing (an operation such as a deprovision is
#   still running) or failed (for example deprovision_failed).
# related_resources:
#   - ref: seeds/aptible-cancel-account.md
#     description: >-
#       "Customers are responsible for ensuring all resources are properly
#       deprovisioned to avoid additional future charges."
# custom:
#   id: APT-010
#   kind: block
#   reads: [resources]
#   remediation: >-
#     Wait for an in-flight operation to finish and export a fresh snapshot. A
#     failed operation (such as deprovision_failed) does not recover on its
#     own: contact Aptible Support with the resource's handle and id.
deny contains finding if {
	some i, r in input.resources
	r.state in {"changing", "failed"}
	finding := {
		"id": "APT-010",
		"msg": sprintf("%s %s is in state %s (status %s)%s", [noun(r), label(r), r.state, status(r), state_advice[r.state]]),
		"pointer": sprintf("/resources/%d", [i]),
	}
}

# --- helpers -----------------------------------------------------------------

# A resource exists until it is deprovisioned or deleted; changing and failed
# resources still exist (and still bill).
exists(r) if not r.state == "gone"

label(r) := sprintf("\"%s\" (%s)", [r.name, r.id]) if {
	r.name != ""
} else := r.id

status(r) := r.status if {
	r.status != ""
} else := "unknown"

nouns := {
	"aptible.app": "app",
	"aptible.endpoint": "endpoint",
	"aptible.database": "database",
	"aptible.database_backup": "database backup",
	"aptible.log_drain": "log drain",
	"aptible.metric_drain": "metric drain",
	"aptible.environment": "environment",
	"aptible.dedicated_stack": "dedicated stack",
}

noun(r) := nouns[r.type] if {
	nouns[r.type]
} else := sprintf("resource of type %s", [r.type])

state_advice := {
	"changing": ": wait for the operation to finish",
	"failed": ": the operation needs Aptible Support",
}

exported contains e.resource_id if some e in input.data_exports

# The existing resources that name another one, grouped once per snapshot by
# the id they name: {owner id: [ids, sorted]}. A search of every resource for
# each app, database or environment would be quadratic in the account's size.
endpoints_of := lib.group_pairs([[r.parent_id, r.id] |
	some r in input.resources
	r.type == "aptible.endpoint"
	exists(r)
	is_string(r.parent_id)
])

replicas_of := lib.group_pairs([[r.replica_of, r.id] |
	some r in input.resources
	r.type == "aptible.database"
	exists(r)
	is_string(r.replica_of)
])

holdings_of := lib.group_pairs([[r.parent_id, r.id] |
	some r in input.resources
	exists(r)
	is_string(r.parent_id)
])

unexported contains {
	"msg": sprintf("database %s has not been exported", [label(r)]),
	"pointer": sprintf("/resources/%d", [i]),
} if {
	some i, r in input.resources
	r.type == "aptible.database"
	exists(r)
	not database_exported(r)
}

# A backup is covered by its database's export; a backup that does not name its
# database cannot be shown to be covered.
unexported contains {
	"msg": sprintf(
		"backup %s%s has not been exported: restore it to a new database and export that",
		[label(b), backup_of(b)],
	),
	"pointer": sprintf("/resources/%d", [i]),
} if {
	some i, b in input.resources
	b.type == "aptible.database_backup"
	exists(b)
	not backup_covered(b)
}

# The membership tests take the resource, not the id: `not b.database_id in
# exported` is undefined in OPA (not true) when database_id is absent, because
# OPA pulls the absent reference out of the negation (open-policy-agent/opa#1877).
database_exported(r) if r.id in exported

backup_covered(b) if b.database_id in exported

backup_kind(b) := "final" if {
	b.final == true
} else := "manual"

backup_of(b) := sprintf(" of database %s", [b.database_id]) if {
	b.database_id != ""
} else := " of an unnamed database"

endpoints_note(app_id) := sprintf("; its %d endpoint(s) %s go with it", [count(ids), lib.list_text(ids, 20)]) if {
	ids := endpoints_of[app_id]
	# A guard as well as a check: see "Two evaluators" in docs/policy-authoring.md.
	count(ids) > 0
} else := ""

database_msg(r) := sprintf("database replica %s of %s is still provisioned", [label(r), r.replica_of]) if {
	r.replica_of != ""
} else := sprintf(
	"database %s is still provisioned; deprovision its replicas first: %s",
	[label(r), lib.list_text(replicas, 20)],
) if {
	replicas := replicas_of[r.id]
	# A guard as well as a check: see "Two evaluators" in docs/policy-authoring.md.
	count(replicas) > 0
} else := sprintf("database %s is still provisioned", [label(r)])

holdings_note(env_id) := sprintf(" and still holds %s", [lib.list_text(held, 20)]) if {
	held := holdings_of[env_id]
	# A guard as well as a check: see "Two evaluators" in docs/policy-authoring.md.
	count(held) > 0
} else := ""

existing_stacks := [r |
	some r in input.resources
	r.type == "aptible.dedicated_stack"
	exists(r)
]

# Aptible Support acts on the deletion form only for what it removes itself:
# a dedicated stack, or Premium/Enterprise Support.
deletion_request_needed if count(existing_stacks) > 0

deletion_request_needed if input.account.support_plan in {"premium", "enterprise"}

deletion_request_subject := concat(" and ", array.concat(
	[sprintf("dedicated stack %s", [label(s)]) | some s in existing_stacks],
	[sprintf("%s support", [input.account.support_plan]) | input.account.support_plan in {"premium", "enterprise"}],
))

# The organization name must be confirmed against account.name; a snapshot
# without an account name leaves nothing to match, which is a mismatch too.
# Every name problem points at the form field the requester fills in.
account_named if {
	is_string(input.account.name)
	input.account.name != ""
}

name_confirmation_given if is_string(input.request.organization_name_confirmation)

deletion_request_problems contains {
	"msg": sprintf(
		"the deletion request confirms the organization name as \"%s\", not \"%s\"",
		[input.request.organization_name_confirmation, input.account.name],
	),
	"pointer": "/request/organization_name_confirmation",
} if {
	account_named
	name_confirmation_given
	input.request.organization_name_confirmation != input.account.name
}

deletion_request_problems contains {
	"msg": sprintf("the deletion request does not confirm the organization name \"%s\"", [input.account.name]),
	"pointer": "/request/organization_name_confirmation",
} if {
	account_named
	not name_confirmation_given
}

deletion_request_problems contains {
	"msg": sprintf(
		"the deletion request confirms the organization name as \"%s\", but the snapshot records no account name to match it",
		[input.request.organization_name_confirmation],
	),
	"pointer": "/request/organization_name_confirmation",
} if {
	not account_named
	name_confirmation_given
}

deletion_request_problems contains {
	"msg": "the deletion request does not confirm the organization name, and the snapshot records no account name",
	"pointer": "/request/organization_name_confirmation",
} if {
	not account_named
	not name_confirmation_given
}

deletion_request_problems contains {
	"msg": "the deletion request gives no cancellation reason",
	"pointer": "/request/reason",
} if {
	not has_reason
}

has_reason if {
	is_string(input.request.reason)
	trim_space(input.request.reason) != ""
}
