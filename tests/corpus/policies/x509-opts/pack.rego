package closeout.sipstation

import rego.v1

chain_ok if {
	[ok, _] := crypto.x509.parse_and_verify_certificates_with_options(input.account.id, {"DNSName": "a"})
	ok
}

# METADATA
# title: Demo condition
# description: A condition of the policy corpus.
# related_resources:
#   - ref: seeds/sipstation-close-account.md
# custom:
#   id: DEM-001
#   kind: block
#   reads: [resources]
#   remediation: Fix it.
deny contains {"id": "DEM-001", "msg": "demo", "pointer": ""} if chain_ok
