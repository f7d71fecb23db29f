"""schemas.xml.parse: the one door untrusted XML comes through."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.errors import ErrorCode, XmlRejected
from schemas.xml import DEFAULT_LIMITS, XmlLimits, parse, tostring

DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


def document(body: str, *, declaration: str = DECLARATION) -> bytes:
    """Factory: an XML document as UTF-8 bytes."""
    return (declaration + body).encode("utf-8")


def nested(levels: int) -> bytes:
    return b"<a>" * levels + b"</a>" * levels


def rejection(data: object, limits: XmlLimits = DEFAULT_LIMITS) -> ErrorCode:
    with pytest.raises(XmlRejected) as caught:
        parse(data, limits=limits)  # type: ignore[arg-type]
    return caught.value.code


def test_a_well_formed_utf8_document_parses() -> None:
    root = parse(document("<OrganId>000.00.00.G22</OrganId>"))

    assert (root.tag, root.text) == ("OrganId", "000.00.00.G22")


def test_an_external_file_entity_is_refused() -> None:
    data = document('<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>')

    assert rejection(data) == ErrorCode.XML_DTD_FORBIDDEN


def test_an_external_http_entity_is_refused() -> None:
    data = document('<!DOCTYPE a [<!ENTITY x SYSTEM "http://127.0.0.1:1/evil">]><a>&x;</a>')

    assert rejection(data) == ErrorCode.XML_DTD_FORBIDDEN


def test_billion_laughs_is_refused() -> None:
    entities = '<!ENTITY l0 "ha">' + "".join(
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)
    )

    assert (
        rejection(document(f"<!DOCTYPE a [{entities}]><a>&l9;</a>")) == ErrorCode.XML_DTD_FORBIDDEN
    )


def test_a_quadratic_blowup_is_refused() -> None:
    data = document(f'<!DOCTYPE a [<!ENTITY x "{"x" * 50_000}">]><a>{"&x;" * 1000}</a>')

    assert rejection(data) == ErrorCode.XML_DTD_FORBIDDEN


def test_a_doctype_alone_is_refused() -> None:
    assert rejection(document("<!DOCTYPE a><a/>")) == ErrorCode.XML_DTD_FORBIDDEN


def test_ten_thousand_levels_of_nesting_are_refused_without_crashing() -> None:
    assert rejection(nested(10_000)) in {ErrorCode.XML_TOO_DEEP, ErrorCode.XML_MALFORMED}


def test_nesting_just_over_the_limit_is_too_deep() -> None:
    limits = XmlLimits(max_depth=5)

    assert parse(nested(5), limits=limits).tag == "a"
    assert rejection(nested(6), limits) == ErrorCode.XML_TOO_DEEP


def test_a_document_over_max_bytes_is_too_large() -> None:
    data = document(f"<a>{'x' * 200}</a>")

    assert rejection(data, XmlLimits(max_bytes=100)) == ErrorCode.XML_TOO_LARGE


def test_a_document_over_max_elements_is_too_large() -> None:
    data = document("<a>" + "<b/>" * 50 + "</a>")

    assert rejection(data, XmlLimits(max_elements=10)) == ErrorCode.XML_TOO_LARGE


@pytest.mark.parametrize(
    "body",
    [
        "<?evil stuff?><a/>",
        "<a><b><?evil stuff?></b></a>",
        "<a/><?evil stuff?>",
    ],
    ids=["before-root", "nested", "after-root"],
)
def test_a_processing_instruction_is_refused(body: str) -> None:
    assert rejection(document(body)) == ErrorCode.XML_FORBIDDEN_CONSTRUCT


@pytest.mark.parametrize(
    "body",
    [
        '<a xmlns:xi="http://www.w3.org/2001/XInclude"><b><xi:include href="/etc/passwd"/></b></a>',
        '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="/etc/passwd"/>',
    ],
    ids=["nested", "as-root"],
)
def test_an_xinclude_element_is_refused(body: str) -> None:
    assert rejection(document(body)) == ErrorCode.XML_FORBIDDEN_CONSTRUCT


def test_invalid_utf8_is_refused() -> None:
    assert rejection(b"<a>\xc3\x28</a>") == ErrorCode.XML_ENCODING


def test_a_declared_iso_8859_1_encoding_is_refused() -> None:
    data = b'<?xml version="1.0" encoding="ISO-8859-1"?><a>caf\xe9</a>'

    assert rejection(data) == ErrorCode.XML_ENCODING


def test_a_declared_utf16_encoding_is_refused() -> None:
    data = document("<a/>", declaration='<?xml version="1.0" encoding="UTF-16"?>')

    assert rejection(data) == ErrorCode.XML_ENCODING


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32-le"])
def test_utf16_and_utf32_bytes_are_refused_with_or_without_a_bom(codec: str) -> None:
    text = '<?xml version="1.0" encoding="UTF-16"?><a>x</a>'

    assert rejection(text.encode(codec)) == ErrorCode.XML_ENCODING


def test_a_dtd_cannot_be_smuggled_in_utf16_without_a_bom() -> None:
    text = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE a [<!ENTITY x "boom">]><a>&x;</a>'

    assert rejection(text.encode("utf-16-le")) == ErrorCode.XML_ENCODING


def test_a_comment_inside_a_text_value_is_dropped_so_the_text_reads_whole() -> None:
    root = parse(document("<OrganId>000.00.00.G<!-- split -->22</OrganId>"))

    assert root.text == "000.00.00.G22"
    assert len(root) == 0


@pytest.mark.parametrize("prefix", [b"1212", b"\xef\xbb\xbf", b"\xef\xbb\xbf1212\r\n"])
def test_the_sdk_digit_prefix_and_a_bom_before_the_declaration_are_tolerated(prefix: bytes) -> None:
    root = parse(prefix + document("<a>ok</a>"))

    assert root.text == "ok"


def test_an_undeclared_entity_reference_is_malformed() -> None:
    assert rejection(document("<a>&undeclared;</a>")) == ErrorCode.XML_MALFORMED


@pytest.mark.parametrize("data", [b"", b"   ", b"<a>", b"not xml at all"])
def test_empty_or_broken_input_is_malformed(data: bytes) -> None:
    assert rejection(data) == ErrorCode.XML_MALFORMED


@pytest.mark.parametrize("data", ["<a/>", None, 42])
def test_input_that_is_not_bytes_raises_type_error(data: object) -> None:
    with pytest.raises(TypeError):
        parse(data)  # type: ignore[arg-type]


@pytest.mark.parametrize("wrap", [bytearray, memoryview])
def test_bytes_like_input_is_accepted(wrap: type) -> None:
    assert parse(wrap(b"<a>x</a>")).text == "x"


def test_tostring_writes_utf8_with_a_declaration_that_parses_back() -> None:
    data = tostring(parse(document("<a>Văn phòng Chính phủ</a>")))

    assert data.startswith(b"<?xml")
    assert "Văn phòng Chính phủ".encode() in data
    assert parse(data).text == "Văn phòng Chính phủ"


@settings(max_examples=300, database=None, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=512),
        st.text(max_size=256).map(lambda text: text.encode("utf-8", "surrogatepass")),
        st.text(alphabet="<>/?!&;=\"' abx:[]-", max_size=128).map(str.encode),
    )
)
def test_any_bytes_either_parse_or_raise_xml_rejected(data: bytes) -> None:
    try:
        root = parse(data)
    except XmlRejected as e:
        assert e.code.value.startswith("XML_")
    else:
        assert isinstance(root.tag, str)
