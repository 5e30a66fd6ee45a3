package closeout.tencentcloud

import rego.v1

import data.closeout.lib

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
#   reads: [billing.orders]
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
#   reads: [billing.payments, billing.invoices]
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

# METADATA
# title: Unused rights remain in the account
# description: >-
#   The requester has not waived the account's unused rights
#   (request.attestations.rights_waived is not true) and some remain: a cash
#   balance above 0, a gift card or voucher with status unused or active and a
#   balance above 0, or a tencentcloud.* resource that exists (not gone). One
#   finding per right.
# related_resources:
#   - ref: seeds/tencentcloud-account-cancellation.md
#     description: >-
#       "There are no unused rights in the account (if you initiate the account
#       cancellation process when there are unused rights under the account, you
#       are deemed to have voluntarily waived use the corresponding rights and
#       can no longer use them). Note: unused rights refer to cash, gift cards,
#       vouchers and cloud resources under the account."
# custom:
#   id: TCC-003
#   kind: block
#   reads: [rights, resources, request.attestations]
#   remediation: >-
#     Use, withdraw or release every unused right: withdraw or spend the cash
#     balance, use up gift cards and vouchers, and terminate or release every
#     cloud resource (CVM instances, CBS disks, COS buckets, databases, ...) in
#     the Tencent Cloud console, after backing up their data. Alternatively,
#     record that the requester voluntarily waives them
#     (request.attestations.rights_waived = true): applying for cancellation
#     with unused rights waives them, and they can no longer be used.
#   after: [TCC-001, TCC-002, TCC-007]
deny contains finding if {
	not attested("rights_waived")
	some right in unused_rights
	finding := object.union({"id": "TCC-003"}, right)
}

unused_rights contains {"msg": msg, "pointer": "/rights/cash_balance"} if {
	input.rights.cash_balance > 0
	msg := sprintf("a cash balance of %s remains in the account", [money(input.rights.cash_balance)])
}

unused_rights contains {"msg": msg, "pointer": sprintf("/rights/%s/%d", [list, i])} if {
	some list, what in {"gift_cards": "gift card", "vouchers": "voucher"}
	some i, v in input.rights[list]
	v.status in {"unused", "active"}
	v.balance > 0
	msg := sprintf("%s %s still holds %s (status %s%s)", [what, v.id, money(v.balance), v.status, expiry_phrase(v)])
}

# An unreleased cloud resource is an unused right, whatever the product.
unused_rights contains {"msg": msg, "pointer": sprintf("/resources/%d", [i])} if {
	some i, r in input.resources
	is_tencent(r)
	exists(r)
	msg := sprintf("%s has not been released (%s)", [describe_resource(r), state_phrase(r)])
}

expiry_phrase(v) := sprintf(", expires %s", [substring(v.expires_at, 0, 10)]) if {
	is_string(v.expires_at)
} else := ""

integration_kinds := {
	"oauth_app": "third-party app",
	"linked_account": "linked account",
	"external_authorization": "external authorisation",
}

# METADATA
# title: A third-party app, linked account or external authorisation is still bound
# description: >-
#   An integration (third-party web application, linked account, or external
#   authorisation such as OAuth, SAML or OIDC) has status active.
# related_resources:
#   - ref: seeds/tencentcloud-account-cancellation.md
#     description: >-
#       "Your account has been unbound with third-party web applications (such
#       as websites, apps) or other accounts, all external authorizations have
#       been revoked, or you are sure that not unbinding your account or not
#       revoking those external authorizations will not have any adverse effects
#       on you and the third parties."
# custom:
#   id: TCC-004
#   kind: block
#   reads: [integrations]
#   remediation: >-
#     Unbind the account from every third-party web application (websites,
#     apps) and every linked account, and revoke every external authorisation
#     (OAuth apps, SAML or OIDC identity providers) in the Tencent Cloud
#     console, after making sure the third parties no longer depend on them.
#     Then export a fresh snapshot showing them revoked.
deny contains finding if {
	some i, integ in input.integrations
	integ.status == "active"
	what := object.get(integration_kinds, integ.kind, "integration")
	finding := {
		"id": "TCC-004",
		"msg": sprintf("%s is still bound to the account (status active)", [describe(what, integ)]),
		"pointer": sprintf("/integrations/%d", [i]),
	}
}

principal_kinds := {
	"sub_user": "sub-user",
	"collaborator": "collaborator",
	"message_recipient": "message recipient",
}

principal_label(p) := describe(object.get(principal_kinds, p.kind, "principal"), p)

# METADATA
# title: Collaborators, sub-users or message recipients remain
# description: >-
#   The principals list is not empty: every collaborator, sub-user and message
#   recipient is one finding.
# related_resources:
#   - ref: seeds/tencentcloud-account-cancellation.md
#     description: >-
#       "All collaborators, sub-users, and message recipients under your account
#       have been deleted. You can delete them in [**User
#       Management**](https://console.tencentcloud.com/cam)."
# custom:
#   id: TCC-005
#   kind: block
#   reads: [principals]
#   remediation: >-
#     Delete every collaborator, sub-user and message recipient in CAM User
#     Management (https://console.tencentcloud.com/cam), after deleting their
#     API keys (TCC-006).
#   after: [TCC-006]
deny contains finding if {
	some i, p in input.principals
	finding := {
		"id": "TCC-005",
		"msg": sprintf("%s has not been deleted", [principal_label(p)]),
		"pointer": sprintf("/principals/%d", [i]),
	}
}

# METADATA
# title: An API key has not been deleted
# description: >-
#   An API key's status is not deleted (active and disabled keys both count).
#   A key whose owner is not among the principals may be the exporter's own
#   key (the account owner's), which stays until the export is done.
# related_resources:
#   - ref: seeds/tencentcloud-account-cancellation.md
#     description: >-
#       "The API keys under your account have been deleted. You can delete them
#       in [**API Key Management**](https://console.tencentcloud.com/cam/capi)."
# custom:
#   id: TCC-006
#   kind: block
#   reads: [api_keys]
#   remediation: >-
#     Delete every API key in CAM API Key Management
#     (https://console.tencentcloud.com/cam/capi); disabling a key is not
#     enough. Delete a sub-user's or collaborator's keys before deleting that
#     user (TCC-005). The exporter that produced this snapshot uses an API key
#     of its own: delete that key last, as the final step, after the final
#     export.
deny contains finding if {
	some i, k in input.api_keys
	k.status != "deleted"
	finding := {
		"id": "TCC-006",
		"msg": sprintf("API key %s %s is %s, not deleted; %s", [k.id, key_owner(k), k.status, key_advice(k)]),
		"pointer": sprintf("/api_keys/%d", [i]),
	}
}

# The principal owning a key. Ids should be unique; when several principals
# share the key's owner_id (a sub-user who is also a message recipient), the
# first listed is used, so the function has a single value (two would be a
# conflict error in OPA).
# The first listed principal of the key's owner id. The principals' positions
# are grouped by id once per snapshot: a search of every principal for each
# key would be quadratic.
key_principal(k) := input.principals[positions[0]] if {
	positions := principal_positions[k.owner_id]
	count(positions) > 0
}

principal_positions := lib.group_pairs([[p.id, i] | some i, p in input.principals])

# A key without owner_id belongs to the account itself (the snapshot format:
# "absent = the account itself").
key_has_owner_id(k) if is_string(k.owner_id)

key_owner(k) := sprintf("of %s", [principal_label(key_principal(k))]) if {
	key_principal(k)
} else := sprintf("of the account owner %s", [k.owner_id]) if {
	k.owner_id == input.account.id
} else := sprintf("of %s (not a listed principal)", [k.owner_id]) if {
	key_has_owner_id(k)
} else := sprintf("of the account owner %s", [object.get(input.account, "id", "(unknown)")])

key_advice(k) := sprintf("delete it before deleting the %s", [object.get(principal_kinds, key_principal(k).kind, "principal")]) if {
	key_principal(k)
} else := "it may be the exporter's own key: delete it last, after the export"

# METADATA
# title: Data has not been backed up
# description: >-
#   A resource that exists holds data (holds_data is true), has no entry in
#   data_exports, and the requester has not waived the retention of the data
#   (request.attestations.data_retention_waived is not true).
# related_resources:
#   - ref: seeds/tencentcloud-account-cancellation.md
#     description: >-
#       "All the data and information under the account have been migrated and
#       properly backed up, or you completely waive the rights to retain and
#       retrieve those data and information."
# custom:
#   id: TCC-007
#   kind: block
#   reads: [resources, data_exports, request.attestations]
#   remediation: >-
#     Once an account has been cancelled it cannot be restored: migrate and
#     back up all data under the account before applying (snapshot or image
#     CVM and CBS disks, download COS buckets, dump databases) and record each
#     export in the snapshot's data_exports. Or record that the requester
#     completely waives the right to retain and retrieve the data
#     (request.attestations.data_retention_waived = true).
deny contains finding if {
	not attested("data_retention_waived")
	some i, r in input.resources
	exists(r)
	r.holds_data == true
	not data_exported(r)
	finding := {
		"id": "TCC-007",
		"msg": sprintf("%s holds data that has not been exported", [describe_resource(r)]),
		"pointer": sprintf("/resources/%d", [i]),
	}
}

# Takes the resource, not its id, so that the negation above never has an
# absent reference pulled out of it in OPA (open-policy-agent/opa#1877).
# A set, built once: a search of data_exports for each resource would be
# quadratic in the account's size.
exported_ids contains e.resource_id if some e in input.data_exports

data_exported(r) if r.id in exported_ids

# METADATA
# title: The request does not attest that it avoids no obligations
# description: >-
#   request.attestations.not_evading_obligations is not true (false or
#   absent).
# related_resources:
#   - ref: seeds/tencentcloud-account-cancellation.md
#     description: >-
#       "You submit an account cancellation request, not in order to avoid
#       complaints, disputes, litigations that are happening or about to happen,
#       and not in order to avoid the supervision of the competent authorities
#       or the relevant provisions of laws and regulations."
# custom:
#   id: TCC-008
#   kind: block
#   reads: [request.attestations]
#   remediation: >-
#     Have the requester confirm that the cancellation request is not made to
#     avoid complaints, disputes or litigation that are happening or about to
#     happen, nor the supervision of the competent authorities or the relevant
#     provisions of laws and regulations, and record it
#     (request.attestations.not_evading_obligations = true). If it cannot be
#     confirmed, the account cannot be cancelled.
deny contains finding if {
	not attested("not_evading_obligations")
	finding := {
		"id": "TCC-008",
		"msg": evading_msg,
		"pointer": "/request/attestations/not_evading_obligations",
	}
}

evading_msg := "the request's attestation that it does not avoid complaints, disputes, litigation or supervision is false" if {
	input.request.attestations.not_evading_obligations == false
} else := "the request carries no attestation that it does not avoid complaints, disputes, litigation or supervision"

# METADATA
# title: The account is involved in an open complaint or report
# description: >-
#   A case of kind complaint or report has status open.
# related_resources:
#   - ref: seeds/tencentcloud-account-cancellation.md
#     description: >-
#       "The account is not involved in any complaints or reports."
# custom:
#   id: TCC-009
#   kind: block
#   reads: [cases]
#   remediation: >-
#     Resolve every open complaint or report concerning the account with
#     Tencent Cloud (through the ticket or notice that raised it) and wait for
#     it to be closed before applying.
deny contains finding if {
	some i, c in input.cases
	c.kind in {"complaint", "report"}
	c.status == "open"
	finding := {
		"id": "TCC-009",
		"msg": sprintf("%s %s is still open%s", [c.kind, c.id, opened_phrase(c)]),
		"pointer": sprintf("/cases/%d", [i]),
	}
}

opened_phrase(c) := sprintf(" (opened %s)", [substring(c.opened_at, 0, 10)]) if {
	is_string(c.opened_at)
} else := ""

# METADATA
# title: The recovery mobile number is not verified
# description: >-
#   account.recovery_mobile_verified is not true (false or absent).
# related_resources:
#   - ref: seeds/tencentcloud-account-cancellation.md
#     description: >-
#       "Verify your recovery mobile number. You cannot proceed to the next step
#       before a successful verification."
# custom:
#   id: TCC-010
#   kind: block
#   reads: [account.recovery_mobile_verified]
#   remediation: >-
#     Verify the account's recovery mobile number: the cancellation flow
#     (Account Center > Security Settings,
#     https://console.cloud.tencent.com/developer/security, account
#     cancellation module > Cancel) asks for it and cannot continue without a
#     successful verification. If the number is no longer yours, change it in
#     Security Settings first.
deny contains finding if {
	not input.account.recovery_mobile_verified == true
	finding := {
		"id": "TCC-010",
		"msg": sprintf("the recovery mobile number of account %s is not verified", [account_label]),
		"pointer": "/account/recovery_mobile_verified",
	}
}

doc_kinds := {
	"individual": {"passport", "drivers_license"},
	"enterprise": {"business_identification"},
}

# Without an account type, any of the three kinds is accepted.
accepted_kinds := doc_kinds[input.account.type] if {
	input.account.type in object.keys(doc_kinds)
} else := {"passport", "drivers_license", "business_identification"}

doc_labels := {
	"passport": "passport",
	"drivers_license": "driver's licence",
	"business_identification": "business identification",
}

# METADATA
# title: Identity documents are missing or not in colour
# description: >-
#   The account is identity-verified (account.identity_verified is true) and
#   either the request carries no identity document of the right kind
#   (individual: passport or drivers_license; enterprise:
#   business_identification; no account type: any of these), or an uploaded
#   document's color_scan is not true.
# related_resources:
#   - ref: seeds/tencentcloud-account-cancellation.md
#     description: >-
#       "Users that have already undergone identity verification must upload
#       the documents needed to verify their identity."
#   - ref: seeds/tencentcloud-account-cancellation.md
#     description: >-
#       "Above scans must be in **color**."
# custom:
#   id: TCC-011
#   kind: block
#   reads: [account.identity_verified, account.type, request.identity_documents]
#   remediation: >-
#     Upload colour scans of the identity documents in step 4 of the
#     cancellation flow ("Upload basic information materials"): an
#     identity-verified personal user uploads a passport or driver's licence,
#     an identity-verified enterprise user its business identification. Scans
#     must be in colour; replace any black-and-white scan.
#   after: [TCC-010]
deny contains finding if {
	input.account.identity_verified == true
	some problem in document_problems
	finding := object.union({"id": "TCC-011"}, problem)
}

document_problems contains {"msg": msg, "pointer": "/request/identity_documents"} if {
	not has_accepted_document
	wanted := concat(" or ", sort([doc_labels[k] | some k in accepted_kinds]))
	msg := sprintf("identity-verified account %s has uploaded no %s with the request", [account_label, wanted])
}

document_problems contains {"msg": msg, "pointer": sprintf("/request/identity_documents/%d", [i])} if {
	some i, d in input.request.identity_documents
	not d.color_scan == true
	msg := sprintf("identity document %d (%s) is not a colour scan", [i, object.get(doc_labels, d.kind, d.kind)])
}

has_accepted_document if {
	some d in input.request.identity_documents
	d.kind in accepted_kinds
}

# METADATA
# title: Review takes about 3 business days and cancellation is final
# description: >-
#   Every Tencent Cloud cancellation: the application is reviewed in about 3
#   business days, and a cancelled account cannot be restored.
# related_resources:
#   - ref: seeds/tencentcloud-account-cancellation.md
#     description: >-
#       "The review of the account cancellation application takes approximately
#       3 business days."
#   - ref: seeds/tencentcloud-account-cancellation.md
#     description: >-
#       "Once an account has been cancelled, it cannot be restored."
# custom:
#   id: TCC-012
#   kind: info
#   reads: []
#   remediation: ""
info contains finding if {
	finding := {
		"id": "TCC-012",
		"msg": sprintf(
			"the cancellation review of account %s takes about 3 business days, and once cancelled the account cannot be restored",
			[account_label],
		),
		"pointer": "",
	}
}
