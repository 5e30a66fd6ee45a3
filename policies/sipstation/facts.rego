package closeout.facts.sipstation

import rego.v1

import data.closeout.sipstation

# GEN-003's missing facts for SIPStation: the single-valued fields a condition
# needs in order to decide, whose absence (or null) the catalogue gives no
# meaning. closeout.common reads data.closeout.facts[provider].missing_facts;
# they live in a package of their own, outside closeout.common's tree, so
# that reading them is no recursion.

# GEN-003: SIP-006 compares the requested date with the end of the billing
# cycle; the catalogue gives an absent cycle end no meaning.
missing_facts contains {"path": "billing.cycle_end", "ids": ["SIP-006"], "pointer": "/billing/cycle_end"} if {
	not cycle_end_given
}

cycle_end_given if is_string(input.billing.cycle_end)
