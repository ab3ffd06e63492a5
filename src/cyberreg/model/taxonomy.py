"""One controlled taxonomy of requirement topics, shared by every instrument."""

from __future__ import annotations

from enum import StrEnum


class Topic(StrEnum):
    PASSWORDS_AUTHENTICATION = "passwords-authentication"
    ACCESS_CONTROL = "access-control"
    VULNERABILITY_DISCLOSURE = "vulnerability-disclosure"
    VULNERABILITY_HANDLING = "vulnerability-handling"
    SOFTWARE_UPDATES = "software-updates"
    SUPPORT_PERIOD = "support-period"
    SECURE_STORAGE = "secure-storage"
    SECURE_COMMUNICATION = "secure-communication"
    CRYPTOGRAPHY = "cryptography"
    ATTACK_SURFACE = "attack-surface"
    SOFTWARE_INTEGRITY = "software-integrity"
    PERSONAL_DATA = "personal-data"
    RESILIENCE = "resilience"
    TELEMETRY = "telemetry"
    LOGGING_MONITORING = "logging-monitoring"
    DATA_DELETION = "data-deletion"
    INSTALLATION = "installation"
    INPUT_VALIDATION = "input-validation"
    SECURE_DEVELOPMENT = "secure-development"
    SUPPLY_CHAIN = "supply-chain"
    INCIDENT_REPORTING = "incident-reporting"
    INCIDENT_RESPONSE = "incident-response"
    RISK_ASSESSMENT = "risk-assessment"
    DOCUMENTATION = "documentation"
    GOVERNANCE = "governance"
    ASSET_MANAGEMENT = "asset-management"
    HUMAN_RESOURCES = "human-resources"
    PHYSICAL_SECURITY = "physical-security"
    BUSINESS_CONTINUITY = "business-continuity"
    CONFORMITY_ASSESSMENT = "conformity-assessment"
    LABELLING = "labelling"
    MARKET_SURVEILLANCE = "market-surveillance"
    CRITICAL_INFRASTRUCTURE = "critical-infrastructure"
    INFORMATION_SHARING = "information-sharing"
    INTERNATIONAL_COOPERATION = "international-cooperation"
    CAPACITY_BUILDING = "capacity-building"
    STANDARDS = "standards"
    STATE_CONDUCT = "state-conduct"


TOPIC_LABELS: dict[Topic, str] = {
    Topic.PASSWORDS_AUTHENTICATION: "Passwords and authentication",
    Topic.ACCESS_CONTROL: "Access control and privileges",
    Topic.VULNERABILITY_DISCLOSURE: "Vulnerability disclosure",
    Topic.VULNERABILITY_HANDLING: "Vulnerability handling and remediation",
    Topic.SOFTWARE_UPDATES: "Software updates",
    Topic.SUPPORT_PERIOD: "Support period and end of life",
    Topic.SECURE_STORAGE: "Secure storage of security parameters",
    Topic.SECURE_COMMUNICATION: "Secure communication",
    Topic.CRYPTOGRAPHY: "Cryptography",
    Topic.ATTACK_SURFACE: "Attack surface minimisation",
    Topic.SOFTWARE_INTEGRITY: "Software integrity and secure boot",
    Topic.PERSONAL_DATA: "Personal data protection",
    Topic.RESILIENCE: "Resilience to outages and attacks",
    Topic.TELEMETRY: "Telemetry",
    Topic.LOGGING_MONITORING: "Logging and monitoring",
    Topic.DATA_DELETION: "Deletion of user data",
    Topic.INSTALLATION: "Installation and maintenance",
    Topic.INPUT_VALIDATION: "Input validation",
    Topic.SECURE_DEVELOPMENT: "Secure development",
    Topic.SUPPLY_CHAIN: "SBOM and supply chain",
    Topic.INCIDENT_REPORTING: "Incident and vulnerability reporting to authorities",
    Topic.INCIDENT_RESPONSE: "Incident response",
    Topic.RISK_ASSESSMENT: "Risk assessment",
    Topic.DOCUMENTATION: "Documentation and user information",
    Topic.GOVERNANCE: "Governance and policy",
    Topic.ASSET_MANAGEMENT: "Asset management",
    Topic.HUMAN_RESOURCES: "People and awareness",
    Topic.PHYSICAL_SECURITY: "Physical security",
    Topic.BUSINESS_CONTINUITY: "Business continuity and recovery",
    Topic.CONFORMITY_ASSESSMENT: "Conformity assessment",
    Topic.LABELLING: "Labelling",
    Topic.MARKET_SURVEILLANCE: "Market surveillance and enforcement",
    Topic.CRITICAL_INFRASTRUCTURE: "Critical infrastructure protection",
    Topic.INFORMATION_SHARING: "Information sharing",
    Topic.INTERNATIONAL_COOPERATION: "International cooperation",
    Topic.CAPACITY_BUILDING: "Capacity building",
    Topic.STANDARDS: "Use of standards",
    Topic.STATE_CONDUCT: "Responsible state conduct",
}

TOPICS: tuple[Topic, ...] = tuple(Topic)
