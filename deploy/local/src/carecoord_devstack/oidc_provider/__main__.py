"""`python -m carecoord_devstack.oidc_provider`: serve the development OIDC provider."""

from carecoord_devstack.oidc_provider import main

main()
