"""Validate stage: XSD and integrity validation of any SCORM / IMS package, with local schemas only."""

from generator.validate.package import PackageReport, validate_bytes, validate_package
from generator.validate.schemas import describe_missing_schemas, locate_schemas

__all__ = ["PackageReport", "describe_missing_schemas", "locate_schemas", "validate_bytes", "validate_package"]
