"""ItemFacts from ASR's wire JSON (contracts §5)."""

from datetime import UTC, datetime

from domain.items import current_scenario, fabric_facts, item_facts, item_ref, job_name_from_id, parse_time
from tests.unit.samples import PROVIDER_ID, VAULT_ID, fabric, provider, rpi, rpi_details


def test_item_facts_has_every_contract_key_from_the_wire_shape():
    facts = item_facts(rpi(), on_prem_vm_present=True, recovery_plan=None)
    assert facts["name"] == "item-web01"
    assert (facts["fabric"], facts["container"]) == ("site-tokyo", "cloud-tokyo")
    assert facts["friendlyName"] == "web01"
    assert facts["provider"] == "HyperVReplicaAzure"
    assert facts["activeLocation"] == "Recovery"
    assert "Failback" in facts["allowedOperations"]
    assert facts["currentScenario"] is None  # the "None"/1753 sentinel means idle
    assert facts["lastFailoverTime"] == "2026-01-05T08:00:00.1234567Z"
    assert facts["useManagedDisks"] is True  # a string "true" on the wire
    assert (facts["diskCount"], facts["diskSizeGB"]) == (2, 192.0)
    assert facts["onPremVmPresent"] is True
    assert facts["providerId"] == PROVIDER_ID
    assert item_ref(facts) == {"fabric": "site-tokyo", "container": "cloud-tokyo", "name": "item-web01"}
    contract = {
        "id",
        "name",
        "fabric",
        "container",
        "friendlyName",
        "provider",
        "protectionState",
        "activeLocation",
        "allowedOperations",
        "currentScenario",
        "lastFailoverTime",
        "onPremVmPresent",
        "useManagedDisks",
        "diskCount",
        "diskSizeGB",
        "recoveryPlan",
    }
    assert contract <= facts.keys()


def test_running_scenario_is_reported_with_the_job_name():
    props = {
        "currentScenario": {
            "scenarioName": "PlannedFailover",
            "jobId": f"{VAULT_ID}/replicationJobs/abc-123",
            "startTime": "2026-01-10T11:00:00Z",
        }
    }
    assert current_scenario(props) == {
        "scenarioName": "PlannedFailover",
        "jobId": "abc-123",
        "startTime": "2026-01-10T11:00:00Z",
    }
    assert current_scenario({}) is None


def test_storage_account_disks_read_as_false():
    assert item_facts(rpi_details(useManagedDisks="False"))["useManagedDisks"] is False
    assert item_facts(rpi_details(useManagedDisks=None))["useManagedDisks"] is None


def test_times_parse_asr_formats():
    assert parse_time("2026-01-05T08:00:00.1234567Z") == datetime(2026, 1, 5, 8, 0, 0, 123456, tzinfo=UTC)
    assert parse_time("2026-01-05T08:00:00") == datetime(2026, 1, 5, 8, tzinfo=UTC)
    assert parse_time("0001-01-01T00:00:00") is None
    assert parse_time("garbage") is None
    assert job_name_from_id("abc") == "abc"


def test_fabric_facts_condense_type_encryption_and_hosts():
    f = fabric_facts(fabric("VMM", kekState="Enabled", kekCertThumbprint="AB" * 20), [provider()])
    assert f["fabricType"] == "VMM"
    assert f["encryption"]["kekCertThumbprint"] == "AB" * 20
    assert f["providers"][0]["connectionStatus"] == "Connected"
    assert f["providers"][0]["friendlyName"] == "hv-host-a.contoso.local"
