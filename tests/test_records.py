"""The language declares every item of the Soracom seed's two reference tables (seed 002).

SEED_ITEMS is the list of item names of the seed's "CSV Item Name Reference" tables, as the seed
writes them: a `-country-plan` (or `-plan`, `-protocol`, …) suffix names a parameter.
tests/data/soracom-air-every-item.plan declares each with its unit and region; an item with a
parameter is declared with placeholders (`dataTrafficCharge-<country>-<plan>`) or as a concrete
instance of the parameter (`basicMonthlyCharge-planX3`).
"""

from __future__ import annotations

import re

from planlang.compile import load_catalog

SEED_ITEMS = [
    "basicCharge-ready",
    "basicCharge-active",
    "basicCharge-inactive",
    "basicCharge-suspended",
    "basicMonthlyCharge-plan",
    "subscriberActivationCharge",
    "subscriberSuspensionCharge",
    "subscriberContractRenewalCharge",
    "subscriptionDeliveryCharge-plan",
    "subscriptionUsageCharge-plan",
    "subscriptionContractRenewalCharge-plan",
    "basicMonthlyChargeForPlanKM1",
    "subscriberActivationChargeForPlanKM1",
    "contractRenewalChargeForPlanKM1",
    "planKM1LocationOptionCharge",
    "planKM1LocationOptionRequestCharge",
    "readyStatusChargeForPlanDU",
    "bundleChargeForPlanDU-bundle",
    "additionalDataCapacityChargeForPlanDU",
    "dataTrafficCharge-country-plan",
    "dataTrafficRoundedUpCharge-country-plan",
    "uploadDataCharge-speed-time",
    "downloadDataCharge-speed-time",
    "dataTrafficChargeForPlanKM1",
    "docomoSMSCharge",
    "docomoInternatinalSMSCharge",
    "kddiSMSCharge-date",
    "kddiInternatinalSMSCharge-date",
    "soracomSmsDeliveryCharge",
    "soracomSmsSubmitCharge",
    "ussdRequestCharge",
    "customDNSCharge",
    "inVPGCustomDNSCharge",
    "chapAuthenticationCharge",
    "inVPGChapAuthenticationCharge",
    "virtualPrivateGatewayCharge",
    "sigfoxDeviceRegistrationCharge",
    "sigfoxAnnualConnectivityCharge",
    "sigfoxMessageCharge-contract-country",
    "loRaGatewayOwnedModelFirstUnitMonthlyCharge",
    "loRaGatewayOwnedModelAdditionalUnitMonthlyCharge",
    "loRaGatewaySharedServiceModelMonthlyCharge",
    "soracomBeamRequestCharge-protocol",
    "inVPGSoracomBeamRequestCharge-protocol",
    "soracomFunnelRequestCharge-protocol",
    "inVPGSoracomFunnelRequestCharge-protocol",
    "soracomFunkRequestCharge-protocol",
    "inVPGSoracomFunkRequestCharge-protocol",
    "soracomHarvestCharge",
    "soracomHarvestRequestCharge",
    "soracomHarvestTermExtensionCharge",
    "soracomHarvestDataExportCharge",
    "soracomHarvestFilesStoreCharge",
    "soracomHarvestFilesExportCharge",
    "soracomLagoonMonthlyCharge-plan",
    "soracomLagoonLicensePackCharge-license",
    "soracomEndorseCharge",
    "soracomKryptonInitialProvisioningCharge",
    "soracomKryptonMonthlyProvisioningCharge",
    "soracomInventoryDeviceRegistrationCharge",
    "soracomInventoryMonthlyCharge",
    "virtualPrivateGatewaySetupCharge",
    "virtualPrivateGatewayCanalSetupCharge",
    "virtualPrivateGatewayDirectSetupCharge",
    "virtualPrivateGatewayDoorSetupCharge",
    "virtualPrivateGatewayTypeESetupCharge",
    "virtualPrivateGatewayTypeFSetupCharge",
    "soracomCanalVirtualPrivateGatewayCharge",
    "soracomDirectVirtualPrivateGatewayCharge",
    "soracomDoorVirtualPrivateGatewayCharge",
    "virtualPrivateGatewayTypeECharge",
    "virtualPrivateGatewayTypeFCharge",
    "soracomCanalVPCPeeringCharge",
    "soracomDirectVirtualInterfaceCharge",
    "soracomDoorVPNConnectionCharge",
    "virtualPrivateGatewayFixedGlobalIpAddressOptionCharge",
    "soracomJunctionCharge",
    "soracomJunctionInspectionCharge",
    "soracomNapterCharge",
    "soracomNapterAuditLogCharge",
    "soracomNapterAuditLogExportCharge",
    "soracomOrbitCharge",
    "soracomOrbitRequestCharge",
    "soracomPeekChargeForVPG",
    "soracomPeekDataStoreChargeForVPG",
    "soracomPeekDataExportCharge",
    "dataTrafficFreeTier",
    "soracomBeamRequestFreeTier",
    "soracomFunnelRequestFreeTier",
    "soracomEndorseFreeTier",
    "soracomAirBasicChargeVolumeDiscount",
    "soracomAirDataChargeTieredVolumeDiscount",
    "soracomAirBasicChargeTieredVolumeDiscount",
    "dataTrafficCoupon",
    "soracomBeamRequestCoupon",
    "soracomEndorseCoupon",
    "soracomFunnelRequestCoupon",
    "chargeCoupon",
]

PARAMETERS = ("country", "plan", "speed", "time", "date", "protocol", "contract", "license",
              "bundle")


def declared_stem(seed_name: str) -> str:
    """The seed's name without its parameters: `dataTrafficCharge-country-plan` → its stem."""
    parts = seed_name.split("-")
    while len(parts) > 1 and parts[-1] in PARAMETERS:
        parts.pop()
    return "-".join(parts)


def test_every_seed_item_is_declared_with_its_region():
    catalog = load_catalog("tests/data/soracom-air-every-item.plan")
    names = [r.name for r in catalog.records] + [r.rounded_name for r in catalog.records
                                                 if r.rounded_name] + [d.name for d in catalog.discounts]
    stems = {re.split(r"-<|-plan|-maker|-bundle", n)[0] for n in names} | set(names)
    missing = [n for n in SEED_ITEMS if declared_stem(n) not in stems and n not in names]
    assert not missing, missing
    assert len(SEED_ITEMS) == 98
    regions = {r.name: r.region for r in catalog.records}
    assert regions["subscriberSuspensionCharge"] == "Japan"
    assert regions["subscriberActivationCharge"] == "Global"
    assert regions["customDNSCharge"] == "All"


def test_record_units_follow_the_seed():
    catalog = load_catalog("tests/data/soracom-air-every-item.plan")
    rules = {r.name: r for r in catalog.records}
    assert rules["basicCharge-active"].per_label == "day"
    assert rules["basicMonthlyCharge-planX3"].monthly
    assert rules["soracomHarvestDataExportCharge"].per_label == "GB"
    assert rules["virtualPrivateGatewayTypeECharge"].per_label == "hour"
    assert rules["subscriberContractRenewalCharge"].basis == "anniversary"
    assert rules["dataTrafficCharge-<country>-<plan>"].rounded_name == (
        "dataTrafficRoundedUpCharge-<country>-<plan>")
