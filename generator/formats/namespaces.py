"""Package stage: every XML namespace the packagers emit, in one place."""

from typing import Final

XSI: Final = "http://www.w3.org/2001/XMLSchema-instance"
XML: Final = "http://www.w3.org/XML/1998/namespace"

# SCORM 1.2
IMSCP12: Final = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
ADLCP12: Final = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
IMSMD12: Final = "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"

# SCORM 2004 4th Edition and IMS CP 1.1.4
IMSCP: Final = "http://www.imsglobal.org/xsd/imscp_v1p1"
ADLCP: Final = "http://www.adlnet.org/xsd/adlcp_v1p3"
ADLSEQ: Final = "http://www.adlnet.org/xsd/adlseq_v1p3"
ADLNAV: Final = "http://www.adlnet.org/xsd/adlnav_v1p3"
IMSSS: Final = "http://www.imsglobal.org/xsd/imsss"
LOM: Final = "http://ltsc.ieee.org/xsd/LOM"

# Common Cartridge 1.1
CC11: Final = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
CC11_LOM_MANIFEST: Final = "http://ltsc.ieee.org/xsd/imsccv1p1/LOM/manifest"
CC11_LOM_RESOURCE: Final = "http://ltsc.ieee.org/xsd/imsccv1p1/LOM/resource"
CC11_WL: Final = "http://www.imsglobal.org/xsd/imsccv1p1/imswl_v1p1"
CC11_DT: Final = "http://www.imsglobal.org/xsd/imsccv1p1/imsdt_v1p1"

# Common Cartridge 1.3
CC13: Final = "http://www.imsglobal.org/xsd/imsccv1p3/imscp_v1p1"
CC13_LOM_MANIFEST: Final = "http://ltsc.ieee.org/xsd/imsccv1p3/LOM/manifest"
CC13_LOM_RESOURCE: Final = "http://ltsc.ieee.org/xsd/imsccv1p3/LOM/resource"
CC13_WL: Final = "http://www.imsglobal.org/xsd/imsccv1p3/imswl_v1p3"
CC13_DT: Final = "http://www.imsglobal.org/xsd/imsccv1p3/imsdt_v1p3"

SCHEMA_LOCATIONS: Final = {
    IMSCP12: "imscp_rootv1p1p2.xsd",
    ADLCP12: "adlcp_rootv1p2.xsd",
    IMSMD12: "imsmd_rootv1p2p1.xsd",
    IMSCP: "imscp_v1p1.xsd",
    ADLCP: "adlcp_v1p3.xsd",
    ADLSEQ: "adlseq_v1p3.xsd",
    ADLNAV: "adlnav_v1p3.xsd",
    IMSSS: "imsss_v1p0.xsd",
    LOM: "lom.xsd",
    CC11: "http://www.imsglobal.org/profile/cc/ccv1p1/ccv1p1_imscp_v1p2_v1p0.xsd",
    CC11_LOM_MANIFEST: "http://www.imsglobal.org/profile/cc/ccv1p1/LOM/ccv1p1_lommanifest_v1p0.xsd",
    CC11_LOM_RESOURCE: "http://www.imsglobal.org/profile/cc/ccv1p1/LOM/ccv1p1_lomresource_v1p0.xsd",
    CC11_WL: "http://www.imsglobal.org/profile/cc/ccv1p1/ccv1p1_imswl_v1p1.xsd",
    CC11_DT: "http://www.imsglobal.org/profile/cc/ccv1p1/ccv1p1_imsdt_v1p1.xsd",
    CC13: "http://www.imsglobal.org/profile/cc/ccv1p3/ccv1p3_imscp_v1p2_v1p0.xsd",
    CC13_LOM_MANIFEST: "http://www.imsglobal.org/profile/cc/ccv1p3/LOM/ccv1p3_lommanifest_v1p0.xsd",
    CC13_LOM_RESOURCE: "http://www.imsglobal.org/profile/cc/ccv1p3/LOM/ccv1p3_lomresource_v1p0.xsd",
    CC13_WL: "http://www.imsglobal.org/profile/cc/ccv1p3/ccv1p3_imswl_v1p3.xsd",
    CC13_DT: "http://www.imsglobal.org/profile/cc/ccv1p3/ccv1p3_imsdt_v1p3.xsd",
}


def schema_location(*namespaces: str) -> str:
    """Value for xsi:schemaLocation (a hint only: validation never follows it)."""
    return " ".join(f"{ns} {SCHEMA_LOCATIONS[ns]}" for ns in namespaces)
