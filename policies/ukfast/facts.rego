package closeout.facts.ukfast

import rego.v1

import data.closeout.ukfast

# GEN-003's missing facts for UKFast: the single-valued fields a condition
# needs in order to decide, whose absence (or null) the catalogue gives no
# meaning. closeout.common reads data.closeout.facts[provider].missing_facts;
# they live in a package of their own, outside closeout.common's tree, so
# that reading them is no recursion.

# GEN-003: UKF-002 compares an active contract's term and notice with the
# requested date; the catalogue gives an absent date or term_end no meaning.
missing_facts contains {"path": "request.requested_date", "ids": ["UKF-002"], "pointer": "/request/requested_date"} if {
	some c in input.contracts
	c.status == "active"
	not ukfast.has_requested_date
}

missing_facts contains {
	"path": sprintf("contracts[%d].term_end", [i]),
	"ids": ["UKF-002"],
	"pointer": sprintf("/contracts/%d/term_end", [i]),
} if {
	some i, c in input.contracts
	c.status == "active"
	not ukfast.has_term_end(c)
}

# GEN-003: an invoice still open or overdue must say what is due (UKF-008).
missing_facts contains {
	"path": sprintf("billing.invoices[%d].amount_due", [i]),
	"ids": ["UKF-008"],
	"pointer": sprintf("/billing/invoices/%d/amount_due", [i]),
} if {
	some i, inv in input.billing.invoices
	inv.status in {"open", "overdue"}
	not amount_due_given(inv)
}

amount_due_given(inv) if is_number(inv.amount_due)
