package closeout.facts.tencentcloud

import rego.v1

import data.closeout.tencentcloud

# GEN-003's missing facts for Tencent Cloud: the single-valued fields a condition
# needs in order to decide, whose absence (or null) the catalogue gives no
# meaning. closeout.common reads data.closeout.facts[provider].missing_facts;
# they live in a package of their own, outside closeout.common's tree, so
# that reading them is no recursion.

# GEN-003: single-valued facts the conditions need and whose absence the
# catalogue gives no meaning.
missing_facts contains {"path": "account.identity_verified", "ids": ["TCC-011"], "pointer": "/account/identity_verified"} if {
	not identity_verified_given
}

missing_facts contains {"path": "account.type", "ids": ["TCC-011"], "pointer": "/account/type"} if {
	input.account.identity_verified == true
	not account_type_given
}

missing_facts contains {"path": "rights.cash_balance", "ids": ["TCC-003"], "pointer": "/rights/cash_balance"} if {
	not tencentcloud.attested("rights_waived")
	not cash_balance_given
}

missing_facts contains {
	"path": sprintf("rights.%s[%d].balance", [list, i]),
	"ids": ["TCC-003"],
	"pointer": sprintf("/rights/%s/%d/balance", [list, i]),
} if {
	not tencentcloud.attested("rights_waived")
	some list in ["gift_cards", "vouchers"]
	some i, v in input.rights[list]
	v.status in {"unused", "active"}
	not balance_given(v)
}

missing_facts contains {
	"path": sprintf("billing.invoices[%d].amount_due", [i]),
	"ids": ["TCC-002"],
	"pointer": sprintf("/billing/invoices/%d/amount_due", [i]),
} if {
	some i, inv in input.billing.invoices
	inv.status in {"open", "overdue"}
	not amount_due_given(inv)
}

identity_verified_given if is_boolean(input.account.identity_verified)

account_type_given if is_string(input.account.type)

cash_balance_given if is_number(input.rights.cash_balance)

balance_given(v) if is_number(v.balance)

amount_due_given(inv) if is_number(inv.amount_due)
