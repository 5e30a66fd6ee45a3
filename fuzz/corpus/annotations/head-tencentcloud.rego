package closeout.tencentcloud

import rego.v1

# Cancelling a Tencent Cloud (international) account:
# seeds/tencentcloud-account-cancellation.md. The console shows nine "Notes for
# Account Cancellation" that must all hold, then asks for a verified recovery
# mobile number and, for identity-verified accounts, colour scans of identity
# documents. Each note and step is one condition.

# A resource exists unless it is gone; live, changing and failed all exist.
exists(r) if r.state != "gone"

# Every lookup of input.request.attestations goes through here, so an absent
# attestation (or attestations object) reads as "not made".
attested(name) if input.request.attestations[name] == true

currency_suffix := sprintf(" %s", [input.billing.currency]) if {
	is_string(input.billing.currency)
} else := ""

# "120 CNY", or "120" when the snapshot names no currency.
money(x) := sprintf("%v%s", [x, currency_suffix])

named(obj) if {
	is_string(obj.name)
	obj.name != ""
}

# `what "name" (id)`, or `what id` when the object has no name.
describe(what, obj) := sprintf("%s \"%s\" (%s)", [what, obj.name, obj.id]) if {
	named(obj)
} else := sprintf("%s %s", [what, obj.id])

# Tencent Cloud products, for messages; any other tencentcloud.* type is shown
# by its product part ("tencentcloud.clb" -> "clb").
product_labels := {
	"cvm": "CVM instance",
	"cbs": "CBS cloud disk",
	"cos_bucket": "COS bucket",
	"cdb": "TencentDB for MySQL (CDB) instance",
	"lighthouse": "Lighthouse instance",
	"clb": "CLB load balancer",
	"eip": "elastic IP",
	"vpc": "VPC",
}

is_tencent(r) if startswith(r.type, "tencentcloud.")

resource_label(r) := object.get(product_labels, substring(r.type, count("tencentcloud."), -1), r.type) if {
	is_tencent(r)
} else := sprintf("resource of type %s", [r.type])

describe_resource(r) := describe(resource_label(r), r)

# `state live, status "RUNNING"`, or `state live` without a status text.
state_phrase(r) := sprintf("state %s, status \"%s\"", [r.state, r.status]) if {
	is_string(r.status)
} else := sprintf("state %s", [r.state])

account_label := sprintf("\"%s\" (%s)", [input.account.name, input.account.id]) if {
	named(input.account)
} else := object.get(input.account, "id", "(unknown)")

# METADATA
# title: An order is not completed
# description: >-
#   An order has status pending or in_progress.
# related_resources:
#   - ref: seeds/tencentcloud-account-cancellation.md
#     description: >-
#       "There are no uncompleted orders or services in the account."
# custom:
#   id: TCC-001
#   kind: block
#   remediation: >-
#     Complete or cancel every uncompleted order before applying: pay for or
#     cancel pending orders in the Tencent Cloud console's Billing Center
#     (Orders), and wait for orders in progress to finish delivery. Then export
#     a fresh snapshot.
deny contains finding if {
	some i, o in input.billing.orders
	o.status in {"pending", "in_progress"}
	product := object.get(o, "product", "")
	finding := {
		"id": "TCC-001",
		"msg": sprintf("order %s%s is still %s", [o.id, product_phrase(product), replace(o.status, "_", " ")]),
		"pointer": sprintf("/billing/orders/%d", [i]),
	}
}

product_phrase(p) := sprintf(" (%s)", [p]) if {
	is_string(p)
	p != ""
} else := ""

# METADATA
# title: A payment or invoice is outstanding
# description: >-
#   A payment has status unsettled or failed, or an invoice has amount_due
#   greater than 0. One finding per payment or invoice.
# related_resources:
#   - ref: seeds/tencentcloud-account-cancellation.md
#     description: >-
#       "There are no outstanding or unsettled payments, or other unfulfilled
#       obligations that should be fulfilled in accordance with the requirements
#       of laws and regulations."
# custom:
#   id: TCC-002
#   kind: block
#   remediation: >-
#     Settle every outstanding amount before applying: pay each invoice with an
#     amount due, and retry or replace each failed or unsettled payment in the
#     Tencent Cloud console's Billing Center until it is settled. Then export a
#     fresh snapshot.
deny contains finding if {
	some problem in billing_problems
	finding := object.union({"id": "TCC-002"}, problem)
}

billing_problems contains {"msg": msg, "pointer": sprintf("/billing/payments/%d", [i])} if {
	some i, p in input.billing.payments
	p.status in {"unsettled", "failed"}
	msg := sprintf("payment %s%s is %s", [p.id, amount_phrase(p), p.status])
}

billing_problems contains {"msg": msg, "pointer": sprintf("/billing/invoices/%d", [i])} if {
	some i, inv in input.billing.invoices
	inv.amount_due > 0
	msg := sprintf("invoice %s still has %s due (status %s%s)", [inv.id, money(inv.amount_due), inv.status, due_phrase(inv)])
}

amount_phrase(p) := sprintf(" of %s", [money(p.amount)]) if {
	is_number(p.amount)
} else := ""

due_phrase(inv) := sprintf(", due %s", [inv.due_date]) if {
	is_string(inv.due_date)
} else := ""

