"""Validate stage: XSD and integrity validation of any SCORM / IMS package, with local schemas only."""

from generator.validate.package import PackageReport, validate_bytes, validate_package
from generator.validate.schemas import (
    SchemaLookup,
    describe_missing_schemas,
    find_schemas,
    locate_schemas,
    not_validated,
    xsd_not_checked,
)

__all__ = ["PackageReport", "SchemaLookup", "describe_missing_schemas", "find_schemas", "locate_schemas", "not_validated",
           "validate_bytes", "validate_package", "xsd_not_checked"]
