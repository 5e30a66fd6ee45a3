package closeout.facts.aptible

import rego.v1

import data.closeout.aptible

# GEN-003's missing facts for Aptible: the single-valued fields a condition
# needs in order to decide, whose absence (or null) the catalogue gives no
# meaning. closeout.common reads data.closeout.facts[provider].missing_facts;
# they live in a package of their own, outside closeout.common's tree, so
# that reading them is no recursion.

# GEN-003: without a dedicated stack, only the support plan tells whether the
# deletion form is needed (APT-008); the catalogue gives its absence no meaning.
missing_facts contains {"path": "account.support_plan", "ids": ["APT-008"], "pointer": "/account/support_plan"} if {
	count(aptible.existing_stacks) == 0
	not support_plan_given
}

support_plan_given if is_string(input.account.support_plan)
