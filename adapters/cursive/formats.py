"""Glance 33's format inspection of an upload, for the adapters.

oslo.utils' own `format_inspector` (10.2.0, as on the live stack) reads the
bytes in the 64 KiB chunks Glance's file store reads; what Glance does with
its answer is `ImageProxy.set_data` of glance 33.0.0
(`glance/location.py`), transcribed here line for line with the default
`[image_format]` options (`require_image_format_match = True`,
`gpt_safety_checks_nonfatal = []`), because glance itself is not in the
adapter's venv.
"""

from oslo_utils.imageutils import format_inspector

GLANCE_CHUNK = 64 * 1024


def open_inspection(stream, container_format):
    """The stream to read the upload through (Glance wraps `bare` only)."""
    if container_format == "bare":
        return format_inspector.InspectWrapper(stream)
    return stream


def read_chunks(data):
    """The chunks Glance's file store reads (the last, empty read too)."""
    while True:
        chunk = data.read(GLANCE_CHUNK)
        yield chunk
        if not chunk:
            return


def refusal(data, disk_format):
    """None if Glance 33 takes the inspected bytes, else its 415 detail."""
    try:
        data.close()
    except AttributeError:
        pass
    try:
        matches = data.formats
        matched_formats = {str(i): i for i in matches}
        if matched_formats.keys() == {"iso", "gpt"}:
            inspector = matched_formats["iso"]
        else:
            inspector = data.format
        format = str(inspector)
        if format == disk_format:
            inspector.virtual_size
        elif format == "raw" and disk_format not in format_inspector.ALL_FORMATS:
            pass
        elif disk_format == "raw":
            data.format  # Glance logs it, which raises on several matches
            inspector.actual_size
        else:
            raise format_inspector.ImageFormatError(
                "Image disk_format %s does not match stream data %s" % (disk_format, format))
        inspector.safety_check()
    except AttributeError:
        # Glance: "We must not have wrapped this for inspection".
        return None
    except format_inspector.ImageFormatError as e:
        return str(e)
    except format_inspector.SafetyCheckFailed as e:
        fatal = set(e.failures.keys())
        if disk_format in ("aki", "ari"):
            fatal.discard("mbr")
        if inspector.NAME == "gpt" and not fatal:
            return None
        return "Image failed safety checks"
    except Exception:
        return "Image format inspection failed"
    return None
