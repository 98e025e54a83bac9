"""Forms received by e-mail (forms/mail.py, sources.expand_message): each attachment of an .eml or
Outlook .msg is read as a form, like a member of a .zip, and its record keeps the message's date,
sender and subject in `reading.message`; the body, signature logos and other attachments are
not forms; broken messages are a Portuguese refusal."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from email.message import EmailMessage

import pytest

from forms_factory import form_text, make_record
from msg_factory import outlook_msg
from retention_analytics.cli import main
from retention_analytics.demo import render
from retention_analytics.forms import FormReadError, parse_document
from retention_analytics.forms.mail import read_message
from retention_analytics.forms.sources import documents_from_bytes
from retention_analytics.record import comparable

RECORD = make_record(protocol_number="MAIL-0001", dentist_name="Clínica Sorriso Teste")
OTHER = make_record(protocol_number="MAIL-0002", city="Campinas", uf="SP")
DATE = "Tue, 05 Mar 2024 09:41:07 -0300"
SENDER = "Marina Teste <marina@operadora.invalid>"
SUBJECT = "Formulários de retenção – março"


def _eml(attachments: dict[str, bytes], *, logo: bool = True, headers: bool = True) -> bytes:
    message = EmailMessage()
    if headers:
        message["From"] = SENDER
        message["To"] = "retencao@operadora.invalid"
        message["Date"] = DATE
        message["Subject"] = SUBJECT
    message.set_content("Seguem os formulários.\nAtt.")
    message.add_alternative('<p>Seguem os formulários.</p><img src="cid:logo@x">', subtype="html")
    if logo:
        html = message.get_payload()[1]
        html.add_related(b"\x89PNG\r\n\x1a\n" + b"\0" * 64, maintype="image", subtype="png", cid="<logo@x>",
                         filename="logo.png", disposition="inline")
    for name, data in attachments.items():
        maintype, subtype = ("application", "octet-stream")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


ORIGIN = {"date": "2024-03-05T09:41:07-03:00", "from": SENDER, "subject": SUBJECT}


def test_each_attachment_is_a_form_that_keeps_date_sender_and_subject(tmp_path, capsys):
    data = _eml({"caso1.xlsx": render(RECORD, "xlsx"), "caso2.pdf": render(OTHER, "pdf"),
                 "assinatura.p7s": b"0\x82\x01"})
    path = tmp_path / "mensagem.eml"
    path.write_bytes(data)
    assert main(["parse", "--format", "jsonl", str(path)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["source"] for r in lines] == [f"{path}:caso1.xlsx", f"{path}:caso2.pdf"]
    for line, record in zip(lines, (RECORD, OTHER)):
        assert line["reading"]["message"] == ORIGIN
        assert line["reading"]["method"] == "text"
        expected = comparable(record)
        got = comparable(line)
        got["reading"] = expected["reading"]
        assert got == expected


def test_a_zip_attached_to_an_e_mail_opens_and_its_forms_keep_the_message():
    data = _eml({"lote.zip": _zip({"a.txt": form_text(RECORD).encode(), "b.txt": form_text(OTHER).encode()})})
    docs = list(documents_from_bytes("m.eml", data))
    assert [d.name for d in docs] == ["m.eml:lote.zip:a.txt", "m.eml:lote.zip:b.txt"]
    assert all(dict(d.origin) == ORIGIN and d.error is None for d in docs)
    assert parse_document(docs[0].name, docs[0].data, docs[0].origin)["reading"]["message"] == ORIGIN


def test_an_e_mail_inside_a_zip_opens_too():
    docs = list(documents_from_bytes("lote.zip", _zip({"m.eml": _eml({"f.txt": form_text(RECORD).encode()})})))
    assert [(d.name, d.error) for d in docs] == [("lote.zip:m.eml:f.txt", None)]
    assert dict(docs[0].origin)["subject"] == SUBJECT


def test_the_phone_photo_sent_inline_is_an_attachment_but_the_signature_logo_is_not():
    message = read_message("m.eml", _eml({"f.txt": b"x"}))
    assert [name for name, _ in message.attachments] == ["f.txt"]
    assert (message.date, message.sender, message.subject) == (ORIGIN["date"], SENDER, SUBJECT)


@pytest.mark.parametrize(
    "data,words",
    [
        (_eml({}, logo=True), "não tem formulário anexado (anexos: nenhum)"),  # the logo is no attachment
        (_eml({"nota.exe": b"MZ"}), "não tem formulário anexado (anexos: .exe)"),
        (b"Lista de compras: arroz, feij\xc3\xa3o", "não tem cabeçalhos de e-mail"),
        (bytes(range(256)) * 8, "não é um e-mail em texto"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "não é um e-mail em texto"),
    ],
    ids=["sem_anexo", "anexo_nao_formulario", "texto_qualquer", "bytes", "ole"],
)
def test_e_mails_without_forms_are_one_portuguese_refusal(data, words):
    docs = list(documents_from_bytes("m.eml", data))
    assert len(docs) == 1 and words in (docs[0].error or ""), docs[0].error
    assert "Traceback" not in docs[0].error


def test_an_e_mail_given_straight_to_the_parser_says_to_open_its_attachments():
    with pytest.raises(FormReadError, match="m.eml: é um e-mail; os formulários estão dentro dele"):
        parse_document("m.eml", _eml({"f.txt": form_text(RECORD).encode()}))


def test_an_unreadable_date_header_is_a_missing_date_not_a_refusal():
    data = _eml({"f.txt": form_text(RECORD).encode()}).replace(DATE.encode(), b"ontem de tarde")
    docs = list(documents_from_bytes("m.eml", data))
    assert dict(docs[0].origin) == dict(ORIGIN, date=None)


WHEN = dt.datetime(2024, 3, 5, 9, 41, 7, tzinfo=dt.timezone(dt.timedelta(hours=-3)))


def _msg(attachments: dict[str, bytes]) -> bytes:
    return outlook_msg(SUBJECT, "Marina Teste", "marina@operadora.invalid", WHEN, attachments)


def test_outlook_msg_attachments_are_forms_with_the_message_date_sender_and_subject(tmp_path, capsys):
    path = tmp_path / "mensagem.msg"
    path.write_bytes(_msg({"caso1.xlsx": render(RECORD, "xlsx"), "caso2.txt": form_text(OTHER).encode()}))
    assert main(["parse", "--format", "jsonl", str(path)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["source"] for r in lines] == [f"{path}:caso1.xlsx", f"{path}:caso2.txt"]
    for line, record in zip(lines, (RECORD, OTHER)):
        message = line["reading"]["message"]
        assert dt.datetime.fromisoformat(message["date"]) == WHEN  # same instant (Outlook keeps UTC)
        assert (message["from"], message["subject"]) == ("Marina Teste <marina@operadora.invalid>", SUBJECT)
        got, expected = comparable(line), comparable(record)
        got["reading"] = expected["reading"]
        assert got == expected


@pytest.mark.parametrize(
    "data,words",
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 4, "não foi possível ler o e-mail .msg"),
        (bytes(range(256)) * 4, "não é uma mensagem do Outlook"),
        (_msg({"f.txt": b"x" * 5000})[:2000], "não foi possível ler o e-mail .msg"),
        (_msg({"foto.exe": b"MZ"}), "não tem formulário anexado (anexos: .exe)"),
    ],
    ids=["ole_lixo", "bytes", "cortado", "sem_formulario"],
)
def test_broken_outlook_messages_are_a_portuguese_refusal(data, words):
    docs = list(documents_from_bytes("m.msg", data))
    assert len(docs) == 1 and words.lower() in (docs[0].error or "").lower(), docs[0].error


def test_the_store_keeps_the_message_with_the_document_through_a_reparse(tmp_path):
    """Issue 11 item 3: the message's date, sender and subject are kept with the document; the
    case page shows them masked, and `reparse` (which reads the attachment alone) keeps them."""
    from retention_analytics.filters import Filters
    from retention_analytics.metrics import case_detail
    from retention_analytics.store import open_store
    from retention_analytics.ui.case_view import reading_line

    store = open_store(tmp_path / "email.duckdb")
    store.ingest(documents_from_bytes("caixa/mensagem.eml", _eml({"caso1.txt": form_text(RECORD).encode()})))

    def stored() -> dict:
        with store.connect(read_only=True) as con:
            (reading,) = con.execute("select reading from documents").fetchone()
            case_id = con.execute("select case_id from cases").fetchone()[0]
            return {"stored": json.loads(reading), "case": case_detail(con, Filters(), case_id=case_id),
                    "revealed": case_detail(con, Filters(), case_id=case_id, reveal=True)}

    before = stored()
    assert before["stored"] == {"method": "text", "confidence": {}, "message": ORIGIN}
    assert before["revealed"]["reading"]["message"]["from"] == SENDER
    assert before["case"]["reading"]["message"]["from"] == "Marina Teste <m***@operadora.invalid>"
    line = reading_line(before["case"])
    # Markdown-escaped for st.caption (ui/case_view.md).
    assert line == ("Veio anexado a um e-mail de Marina Teste \\<m\\*\\*\\*@operadora\\.invalid\\>, 05/03/2024 09\\:41, "
                    "assunto “Formulários de retenção – março”.")
    assert "marina@" not in line

    store.reparse()
    assert stored()["stored"] == before["stored"], "reparse keeps what only the message had"


@pytest.mark.parametrize(
    "reading, expected",
    [
        ({}, None),  # stored before the reading was kept
        ({"method": "text", "confidence": {}}, None),
        ({"method": "ocr", "confidence": {"city": 0.8, "uf": 0.9}},
         "Lido por OCR (imagem escaneada ou fotografada; confiança média 85%): confira os valores com aviso no original."),
        ({"method": "text", "confidence": {}, "message": {"date": None, "from": None, "subject": None}},
         "Veio anexado a um e-mail."),
        ({"method": "text", "confidence": {}, "message": {"date": "ontem", "from": None, "subject": "Caso *urgente*"}},
         "Veio anexado a um e-mail ontem, assunto “Caso \\*urgente\\*”."),
    ],
)
def test_the_case_page_says_how_the_form_was_read(reading, expected):
    from retention_analytics.ui.case_view import reading_line

    assert reading_line({"reading": reading}) == expected
