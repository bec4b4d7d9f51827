"""Upload templates and ISOs into a vSphere Content Library, over ``requests`` or ``httpx``."""

from uploader.flow import UploadError

__all__ = ["UploadError"]
