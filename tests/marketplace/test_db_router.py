"""The catalogue's browse and search read from the replica; nothing else does.

The replica here is a second database alias pointing at the same server and database (what
`DATABASE_REPLICA_URL` names in production), opened as its own connection: the tests commit
their rows (a transactional test) so that connection sees them, and count which connection
each query went to.
"""

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext

from catalogue.models import DataProduct
from marketplace.db_router import REPLICA, CatalogueReplicaRouter, catalogue_reads
from tests.factories import OrganizationFactory, listed_product, member_of

# The alias exists from collection on, so that the test database set-up knows it: a mirror
# of the default database (the same test database, its own connection). The router only
# uses it where a test sets DATABASE_REPLICA_URL (the `replica` fixture), as production does.
connections.settings.setdefault(
    REPLICA, {**connections.settings["default"], "TEST": {"MIRROR": "default"}}
)
ALIASES = ["default", REPLICA]


@pytest.fixture
def replica(settings):
    db = connections[REPLICA].settings_dict
    settings.DATABASE_REPLICA_URL = (
        f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )
    return connections[REPLICA]


@pytest.fixture
def product(reference_data):
    provider = OrganizationFactory(jurisdiction="MY", legal_name="Bukit Bintang Malls")
    return listed_product(provider, member_of(provider), title="Kuala Lumpur mall footfall")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, databases=ALIASES)
def test_catalogue_pages_read_from_the_replica(client, api_client, product, replica):
    default = connections["default"]
    for url in ("/catalogue/", "/api/v1/products/?q=Kuala"):
        with CaptureQueriesContext(default) as primary, CaptureQueriesContext(replica) as copy:
            response = (client if url.startswith("/catalogue") else api_client).get(url)
        assert response.status_code == 200
        assert product.title in response.content.decode()
        reads = [q["sql"] for q in copy.captured_queries]
        assert any("catalogue_dataproduct" in sql for sql in reads), url
        assert not any("catalogue_dataproduct" in q["sql"] for q in primary.captured_queries)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, databases=ALIASES)
def test_the_product_page_and_writes_stay_on_the_primary(client, product, replica):
    with CaptureQueriesContext(replica) as copy:
        response = client.get(f"/catalogue/p/{product.slug}/")
    assert response.status_code == 200
    assert copy.captured_queries == []
    with catalogue_reads(), CaptureQueriesContext(replica) as copy:
        DataProduct.objects.filter(pk=product.pk).update(title="Renamed")
    assert copy.captured_queries == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, databases=ALIASES)
def test_reads_inside_a_transaction_stay_on_the_primary(product, replica):
    router = CatalogueReplicaRouter()
    with catalogue_reads():
        assert router.db_for_read(DataProduct) == REPLICA
        with transaction.atomic():
            assert router.db_for_read(DataProduct) is None  # the primary
            with CaptureQueriesContext(replica) as copy:
                assert DataProduct.objects.select_for_update().get(pk=product.pk)
            assert copy.captured_queries == []


@pytest.mark.django_db
def test_without_a_replica_everything_reads_the_primary(settings):
    assert not settings.DATABASE_REPLICA_URL
    with catalogue_reads():
        assert CatalogueReplicaRouter().db_for_read(DataProduct) is None


def test_the_replica_is_never_migrated():
    router = CatalogueReplicaRouter()
    assert router.allow_migrate("default", "catalogue") is True
    assert router.allow_migrate(REPLICA, "catalogue") is False
