package closeout.aptible

import rego.v1

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

