"""The demo corpus: realistic, invented retention cases that satisfy form-schema.md exactly.

`generate_corpus(cases, seed)` returns one `DemoForm` per form file to write: the record (what is
*written* on that form, in the contract's normal forms, `warnings == []`), the file format, the
template variant, and the render-time defects a record cannot express (two outcome boxes checked,
SIM and NÃO both checked). `generate_records` is the same list without the wrapping.

The corpus is a function of `(cases, seed)` only: one `numpy.random.default_rng(seed)` drives
every draw, in a fixed order, and time is anchored at `ANCHOR` (the demo's "today"), never at the
machine's clock. It has what the dashboard needs to tell stories: operators with clearly different
retention, analysts with different speeds, seasonality, every UF weighted by population, coverage
gaps, ~8 % open cases, ~3 % cases filed twice (first open, then closed) and ~5 % forms with the
defects real forms have.

It must NOT: use the global `random` state or the current date, read /work/shared or any real
form, contain real people's names, CPF/CNPJ, phone numbers or protocol numbers (every name is
invented; documents are random numbers with valid check digits), write files (render.py and
`write_corpus` do that) or import the parser.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..brazil import UFS, cnpj_check_digits, cpf_check_digits, match_city, municipalities_of
from ..fields import SUBSTITUTION_KEYS
from ..record import RECORD_KEYS, empty_record
from ..text import strip_accents
from ..vocab import ACTIONS, REASONS, SECTORS

# The demo's "today": cases start in the three years before it; cases not finished by then are open.
ANCHOR = dt.date(2026, 10, 31)
FIRST_START = dt.date(2023, 11, 1)
# Alphanumeric CNPJs are issued from July 2026 on (IN RFB 2.229/2024): only providers included
# since then may have one.
ALNUM_CNPJ_SINCE = dt.date(2026, 7, 1)

# Share of each format in the corpus. PDF and DOCX are the slowest to write (~20 and ~10 ms) and
# PDF by far the slowest to read back (~90 ms with pdfplumber, against ~5 ms for text), so they
# stay a small share: the `demo` command writes and ingests 3,000 forms in well under a minute.
FORMAT_SHARES: dict[str, float] = {
    "xlsx": 0.35,
    "csv": 0.16,
    "docx": 0.12,
    "pdf": 0.035,
    "md": 0.185,
    "txt": 0.09,
    "txt_brackets": 0.03,
    "txt_parens": 0.03,
}
# Template variants seen in the field (render.py applies their label spellings).
TEMPLATE_SHARES: dict[str, float] = {"atual": 0.7, "antigo": 0.15, "2024": 0.15}

DEFECT_RATE = 0.055  # a few drawn defects do not apply to their form; ~5 % of forms end up defective
DUPLICATE_RATE = 0.03
STALE_OPEN_RATE = 0.015
RETENTION_CALIBRATION = math.log(2.2)  # cases abandoned half-way: open although long past their time


@dataclass(frozen=True)
class Defect:
    """Something wrong on a form. `kind` is one of DEFECT_KINDS; `detail` says what exactly.

    Record-level kinds are already in the record (it says what is written: a blank field is None,
    a misspelt city is misspelt); render-time kinds (RENDER_DEFECTS) are what the record cannot
    hold and the renderer must draw: two outcome boxes checked while `outcome` is None.
    """

    kind: str
    detail: tuple[str, ...] = ()


DEFECT_KINDS: tuple[str, ...] = (
    "blank_fields",  # detail: the keys left blank
    "dates_out_of_order",  # detail: ("contacts", n1, n2) or ("finished_before_last_contact",)
    "city_typo",  # detail: (official name, as written)
    "days_mismatch",  # detail: (days from the dates, days written)
    "two_outcomes",  # render-time; detail: the two outcome codes checked
    "both_checked",  # render-time; detail: (record key,) whose SIM and NÃO are both checked
)
RENDER_DEFECTS: frozenset[str] = frozenset({"two_outcomes", "both_checked"})
# The header fields a "blank_fields" defect may leave blank, in draw order ("cnpj_or_cpf": the
# CNPJ when the form has one, else the CPF); demo/synth.py draws from the same list. Each one is a
# field with the registry's blank check (fields.py), so the reader warns about it.
BLANKABLE: tuple[str, ...] = (
    "cro", "cro_uf", "cnpj_or_cpf", "inclusion_date", "protocol_opened_on", "lives", "unique_cros_listed",
    "coin_value", "last_production", "last_production_value", "dentist_name", "analyst", "form_date",
    "cro_count", "requested_by", "person_type", "city",
)


@dataclass(frozen=True)
class DemoForm:
    file_name: str
    fmt: str  # one of render.FORMATS
    record: dict[str, Any]
    defects: tuple[Defect, ...] = ()
    template: str = "atual"


@dataclass(frozen=True)
class Operator:
    name: str
    variants: tuple[str, ...]  # other ways people write it (same grouping key)
    share: float
    retention: float  # base probability that an attempt ends retained
    coin: float  # centre of its coin value ("Moeda")
    reason_bias: dict[str, float] = field(default_factory=dict)
    uf_bias: dict[str, float] = field(default_factory=dict)
    supervisors: tuple[str, ...] = ()


# Invented operators. Their retention differs clearly (0.25 .. 0.66) so rankings mean something;
# the cheaper ones (low coin) lose more providers over "Valores".
OPERATORS: tuple[Operator, ...] = (
    Operator(
        "ODONTOLIFE", ("OdontoLife", "Odontolife", "ODONTO LIFE"), 0.26, 0.34, 0.38,
        {"valores": 1.7, "carteira_de_clientes_particular": 1.3},
        supervisors=("Rosângela Tavares Brito", "Henrique Caldas Moura", "Sabrina Lemos Aguiar"),
    ),
    Operator(
        "SorrisoMax", ("SORRISOMAX", "Sorriso Max", "Sorrisomax"), 0.20, 0.58, 0.52,
        {"dificuldades_com_o_sistema": 2.5, "prazo_liberacao_de_guias": 2.0},
        supervisors=("Débora Fontes Arruda", "Marcelo Quintão Reis"),
    ),
    Operator(
        "Dental Prime", ("DENTAL PRIME", "DentalPrime", "Dental prime"), 0.16, 0.25, 0.36,
        {"glosas": 3.0, "regras_tecnicas": 2.2, "cobranca_indevida": 2.0},
        supervisors=("Cláudio Benevides Sousa", "Ingrid Paiva Coutinho"),
    ),
    Operator(
        "OdontoSul", ("ODONTOSUL", "Odonto Sul", "Odontosul"), 0.14, 0.66, 0.57,
        {"baixa_procura": 1.5},
        uf_bias={"PR": 6.0, "SC": 7.0, "RS": 6.0},
        supervisors=("Giovana Kessler Bauer", "Leandro Zanella Rocha"),
    ),
    Operator(
        "Uniodonto Vale", ("UNIODONTO VALE", "Uniodonto vale", "UniOdonto Vale"), 0.13, 0.46, 0.45,
        {"burocracia_operadora": 2.0, "falta_de_suporte_da_operadora": 1.8},
        uf_bias={"MG": 4.0, "SP": 2.0, "ES": 3.0},
        supervisors=("Tânia Rezende Valadares", "Otávio Siqueira Mendes"),
    ),
    Operator(
        "Bem Sorrir Odonto", ("BEM SORRIR ODONTO", "BemSorrir Odonto", "Bem Sorrir odonto"), 0.11, 0.50, 0.47,
        {"carteira_de_clientes_particular": 1.6, "apenas_procedimentos_esteticos": 2.0},
        uf_bias={"BA": 3.0, "PE": 3.0, "CE": 3.0, "RN": 3.0, "PB": 3.0, "AL": 3.0, "SE": 3.0},
        supervisors=("Nádia Falcão Macedo", "Rômulo Teles Barbosa"),
    ),
)


@dataclass(frozen=True)
class Analyst:
    name: str
    operator: int  # index in OPERATORS
    median_days: float  # median time to close a case
    skill: float  # added to the log-odds of retention
    activity: float  # relative share of the operator's cases


# Invented retention analysts (~20), each on one operator's team, from fast to slow.
ANALYSTS: tuple[Analyst, ...] = (
    Analyst("Ana Luíza Ferreira", 0, 22, 0.15, 1.4),
    Analyst("João Vítor Albuquerque", 0, 48, 0.0, 1.0),
    Analyst("Letícia Araújo Monteiro", 0, 70, -0.1, 1.1),
    Analyst("Gabriel Antônio Peixoto", 0, 95, -0.2, 0.8),
    Analyst("Thaís Helena Brandão", 0, 120, -0.3, 0.6),
    Analyst("Fábio Nogueira Prates", 1, 25, 0.2, 1.2),
    Analyst("Júlia Estevão Rangel", 1, 40, 0.1, 1.0),
    Analyst("Caio Sebastião Dória", 1, 66, 0.0, 0.9),
    Analyst("Patrícia Guimarães Lacerda", 1, 88, -0.1, 0.7),
    Analyst("Vinícius Lobão Teixeira", 2, 35, 0.0, 1.0),
    Analyst("Beatriz Simões Quintela", 2, 80, -0.15, 1.2),
    Analyst("André Luís Magalhães", 2, 112, -0.25, 0.8),
    Analyst("Lúcia Ramalho Barreto", 3, 20, 0.25, 1.0),
    Analyst("Otávio Mendonça Leal", 3, 45, 0.1, 1.1),
    Analyst("Renata Figueirôa Campos", 3, 60, 0.0, 0.7),
    Analyst("Érica Bastos Falcão", 4, 30, 0.1, 1.0),
    Analyst("Maurício Tavares Antunes", 4, 75, -0.1, 1.0),
    Analyst("Luana Pimentel Sá", 4, 100, -0.2, 0.7),
    Analyst("Heitor Valadão Cunha", 5, 28, 0.15, 1.0),
    Analyst("Cecília Marçal Drummond", 5, 55, 0.0, 1.0),
)

# Invented dentist names: combinations of common first names and surnames.
_FIRST = (
    "Adriana", "Alessandra", "Alexandre", "Aline", "Amanda", "Ângela", "Antônio", "Bárbara", "Bruno",
    "Camila", "Carla", "Carlos", "Cássio", "Cíntia", "Cristiane", "Daniel", "Daniela", "Diego",
    "Eduardo", "Elaine", "Fabiana", "Felipe", "Fernanda", "Flávia", "Francisco", "Gustavo", "Hélio",
    "Isabela", "Jéssica", "Joana", "Jorge", "José", "Juliana", "Karina", "Lívia", "Lorena", "Lucas",
    "Luciano", "Marcela", "Márcia", "Marcos", "Mônica", "Natália", "Paulo", "Priscila", "Rafael",
    "Raquel", "Ricardo", "Rodrigo", "Sérgio", "Simone", "Tatiane", "Thiago", "Valéria", "Vanessa",
    "Wellington", "Yasmin", "Zélia",
)
_MIDDLE = ("Maria", "Cristina", "Aparecida", "Eduarda", "Henrique", "Augusto", "Helena", "Luiz", "de Fátima")
_LAST = (
    "Almeida", "Alves", "Amaral", "Antunes", "Araújo", "Azevedo", "Barros", "Bezerra", "Borges",
    "Cardoso", "Carvalho", "Castro", "Correia", "Costa", "Cunha", "Dias", "Duarte", "Farias",
    "Fernandes", "Fonseca", "Freitas", "Gomes", "Gonçalves", "Lima", "Lopes", "Machado", "Martins",
    "Medeiros", "Melo", "Mendes", "Miranda", "Moraes", "Moreira", "Nascimento", "Neves", "Nunes",
    "Oliveira", "Pereira", "Pinheiro", "Queiroz", "Ramos", "Rocha", "Santana", "Santos", "Soares",
    "Teixeira", "Vasconcelos", "Viana", "Xavier", "da Conceição", "de Souza", "do Carmo",
)

OTHER_PLANS = (
    "Odontoprev", "Amil Dental", "Bradesco Dental", "SulAmérica Odonto", "Porto Seguro Odonto",
    "MetLife", "Hapvida", "Uniodonto", "Dental Uni", "Odonto Empresas", "Inpao Dental", "Unimed Odonto",
)

# Relative frequency of each termination reason: remuneration and the provider's business model
# dominate, as in the operators' real numbers.
REASON_WEIGHTS: dict[str, float] = {
    "valores": 30, "glosas": 14, "cobranca_indevida": 3,
    "carteira_de_clientes_particular": 10, "baixa_procura": 8, "encerramento_de_atividades": 8,
    "apenas_procedimentos_esteticos": 4, "migracao": 3, "franquia": 2,
    "alteracao_responsavel_tecnico": 3, "sem_local_de_atendimento": 3,
    "perda_de_contato": 9, "removido_prestador": 2,
    "prazo_liberacao_de_guias": 4, "dificuldades_com_o_sistema": 3,
    "dificuldade_de_contato_com_a_central": 2, "falta_de_suporte_da_operadora": 2,
    "burocracia_operadora": 3, "regras_tecnicas": 3,
    "beneficiario_grosseiro": 1, "negativa_de_atendimento": 1, "ameaca_judicializacao": 0.5,
    "terceirizacao_de_atendimento": 0.5,
    "problemas_de_saude": 2, "aposentou": 3, "estudos": 1, "servidor_publico": 1,
    "mudou_de_area": 1.5, "obito": 0.5, "motivos_particulares": 2,
}
# Odds multiplier on retention when a reason is behind the case: nobody un-retires.
REASON_RETENTION_ODDS: dict[str, float] = {
    "valores": 1.3, "glosas": 1.0, "cobranca_indevida": 1.6,
    "prazo_liberacao_de_guias": 1.6, "dificuldades_com_o_sistema": 1.8,
    "dificuldade_de_contato_com_a_central": 1.8, "falta_de_suporte_da_operadora": 1.6,
    "burocracia_operadora": 1.2, "regras_tecnicas": 0.9,
    "carteira_de_clientes_particular": 0.45, "baixa_procura": 0.8, "encerramento_de_atividades": 0.08,
    "apenas_procedimentos_esteticos": 0.4, "migracao": 0.3, "franquia": 0.5,
    "alteracao_responsavel_tecnico": 0.9, "sem_local_de_atendimento": 0.3,
    "perda_de_contato": 0.25, "removido_prestador": 0.05,
    "beneficiario_grosseiro": 1.2, "negativa_de_atendimento": 0.8, "ameaca_judicializacao": 0.6,
    "terceirizacao_de_atendimento": 0.5,
    "problemas_de_saude": 0.3, "aposentou": 0.05, "estudos": 0.3, "servidor_publico": 0.15,
    "mudou_de_area": 0.1, "obito": 0.0, "motivos_particulares": 0.5,
}
REMUNERATION = frozenset({"valores", "glosas", "cobranca_indevida"})
PROCESS = frozenset({
    "prazo_liberacao_de_guias", "dificuldades_com_o_sistema", "dificuldade_de_contato_com_a_central",
    "falta_de_suporte_da_operadora", "burocracia_operadora", "regras_tecnicas",
})
SECTOR_OF_REASON: dict[str, str] = {
    "dificuldades_com_o_sistema": "ti",
    "prazo_liberacao_de_guias": "analise_tecnica",
    "regras_tecnicas": "analise_tecnica",
    "glosas": "analise_tecnica",
    "valores": "comercial",
    "cobranca_indevida": "comercial",
    "dificuldade_de_contato_com_a_central": "central_de_atendimento",
    "falta_de_suporte_da_operadora": "central_de_atendimento",
}
# Probability each action is offered, by how the case ended ("open" = not yet ended).
ACTION_PROB: dict[str, dict[str, float]] = {
    "retencao_efetiva": {"novos_valores": 0.5, "suporte": 0.35, "divulgacao": 0.3, "treinamento": 0.14, "reciclagem": 0.08, "outros": 0.05},
    "desligamento": {"novos_valores": 0.14, "suporte": 0.12, "divulgacao": 0.1, "treinamento": 0.04, "reciclagem": 0.03, "outros": 0.04},
    "nao_se_trata_de_retencao": {"novos_valores": 0.0, "suporte": 0.05, "divulgacao": 0.0, "treinamento": 0.0, "reciclagem": 0.0, "outros": 0.03},
    "open": {"novos_valores": 0.2, "suporte": 0.15, "divulgacao": 0.12, "treinamento": 0.05, "reciclagem": 0.03, "outros": 0.02},
}
# More cases in January-March (contract renewals, tax season), fewer in July and December.
MONTH_WEIGHT = {1: 1.35, 2: 1.3, 3: 1.25, 4: 1.0, 5: 1.0, 6: 0.95, 7: 0.72, 8: 1.0, 9: 1.0, 10: 1.0, 11: 0.95, 12: 0.62}

_REASON_PHRASE: dict[str, str] = {
    "valores": "os valores pagos estão abaixo do custo dos procedimentos",
    "glosas": "as glosas frequentes em endodontia e prótese inviabilizam o atendimento",
    "cobranca_indevida": "houve um desconto indevido no último repasse",
    "carteira_de_clientes_particular": "pretende atender somente pacientes particulares",
    "baixa_procura": "a procura pelos beneficiários do plano é muito baixa",
    "encerramento_de_atividades": "a clínica vai encerrar as atividades",
    "apenas_procedimentos_esteticos": "passou a fazer apenas procedimentos estéticos",
    "migracao": "a clínica migrou para outra operadora",
    "franquia": "a unidade foi incorporada a uma rede de franquias",
    "alteracao_responsavel_tecnico": "houve troca do responsável técnico da clínica",
    "sem_local_de_atendimento": "está sem consultório no momento",
    "perda_de_contato": "não foi possível localizar o prestador nos canais cadastrados",
    "removido_prestador": "o prestador foi removido da rede por decisão da auditoria",
    "prazo_liberacao_de_guias": "a demora na liberação das guias atrasa os tratamentos",
    "dificuldades_com_o_sistema": "o portal apresenta erros no envio das guias",
    "dificuldade_de_contato_com_a_central": "não consegue falar com a central de atendimento",
    "falta_de_suporte_da_operadora": "sente falta de suporte da operadora",
    "burocracia_operadora": "o excesso de documentação exigida atrapalha a rotina",
    "regras_tecnicas": "as regras técnicas da auditoria são muito restritivas",
    "beneficiario_grosseiro": "teve um desentendimento com um beneficiário na recepção",
    "negativa_de_atendimento": "houve reclamação de negativa de atendimento",
    "ameaca_judicializacao": "pretende entrar na justiça contra a operadora",
    "terceirizacao_de_atendimento": "repassou os atendimentos para outro profissional",
    "problemas_de_saude": "está afastado(a) por problemas de saúde",
    "aposentou": "vai se aposentar",
    "estudos": "vai se dedicar a uma especialização",
    "servidor_publico": "assumiu um cargo público",
    "mudou_de_area": "mudou de área de atuação",
    "obito": "o(a) titular da clínica faleceu",
    "motivos_particulares": "tem motivos particulares",
}


def _pt_coin(value: float) -> str:
    return f"R$ {value:.2f}".replace(".", ",")


class _Notes:
    """Invented Portuguese notes for contacts and the general observation."""

    FIRST_OPERATOR = (
        "INTERAÇÃO VIA PROTOCOLO - Identificamos ausência de produção desde {prod} e gostaríamos de entender se há alguma dificuldade no atendimento. Aguardamos retorno em até 10 dias úteis.",
        "Realizada ligação para a clínica; a recepcionista informou que o(a) Dr(a). está em atendimento e retornará até {d2}.",
        "Enviado e-mail ao prestador solicitando atualização cadastral e confirmação do interesse em permanecer na rede.",
        "Tentativa de contato pelo telefone cadastrado sem sucesso, chamada não atendida. Enviada mensagem por WhatsApp.",
        "Divulgação suspensa por falta de produção. Enviada notificação ao prestador com prazo de 10 dias úteis para manifestação.",
    )
    FIRST_PROVIDER = (
        "Prestador abriu protocolo solicitando o descredenciamento. Motivo informado: {motivo}.",
        "Recebido e-mail do(a) Dr(a). pedindo desligamento da rede; relata que {motivo}.",
        "Dentista ligou na central pedindo cancelamento do credenciamento, alegando que {motivo}.",
        "Secretária da clínica informou por telefone que o(a) Dr(a). deseja sair do convênio porque {motivo}.",
    )
    MIDDLE = (
        "Retornei a ligação e conversei com o(a) Dr(a). sobre a situação: {motivo}. Ficou de responder até {d5}.",
        "Apresentada proposta de reajuste da moeda de {coin} para {coin_new}. Prestador pediu prazo para analisar.",
        "Encaminhado relatório de glosas dos últimos 6 meses para análise conjunta com a auditoria.",
        "Agendada reunião por vídeo com o prestador e a área técnica para {d3}.",
        "Sem retorno ao e-mail anterior. Reenviada mensagem e feita nova tentativa por telefone, sem sucesso.",
        "Prestador informou que está avaliando a proposta com a sócia e retornará na próxima semana.",
        "Oferecido treinamento sobre o portal do credenciado e a liberação de guias; prestador aceitou participar.",
        "Aberto chamado para a T.I. verificar o erro relatado no envio de guias.",
        "Enviada notificação formal com prazo de 10 dias úteis para manifestação.",
        "Clínica informou que está reduzindo o atendimento a convênios e priorizando pacientes particulares.",
        "Conversado com o responsável técnico, que pediu a revisão de duas glosas de {prod}.",
        "Liguei novamente às {hora}, caixa postal. Deixado recado com o pedido de retorno.",
    )
    LAST = {
        "retencao_efetiva": (
            "Prestador aceitou a proposta e seguirá credenciado. Divulgação mantida.",
            "Após o ajuste na tabela, o(a) Dr(a). confirmou a permanência na rede. Processo encerrado como retenção.",
            "Dentista informou que as pendências foram resolvidas e que continuará atendendo os beneficiários.",
            "Confirmada a reativação da divulgação a partir de {d1}; prestador satisfeito com o suporte.",
        ),
        "desligamento": (
            "Prestador manteve a decisão de sair da rede. Iniciado o descredenciamento com aviso de 30 dias aos beneficiários.",
            "Sem manifestação no prazo de 10 dias úteis. Seguimos com o desligamento conforme notificado.",
            "Dentista agradeceu a proposta, mas confirmou a saída do convênio.",
            "Formalizado o desligamento; solicitada à Análise Técnica a indicação de substituto na região.",
        ),
        "nao_se_trata_de_retencao": (
            "Verificado que o prestador não pediu desligamento; tratava-se de atualização cadastral. Caso encerrado.",
            "Demanda redirecionada à central de atendimento, pois se refere a reembolso de beneficiário.",
        ),
    }
    GENERAL = {
        "retencao_efetiva": (
            "Prestador retido após {acao}. Manter acompanhamento da produção nos próximos 3 meses.",
            "Retenção efetiva. Principal queixa: {label}. Acompanhar a próxima competência.",
        ),
        "desligamento": (
            "Desligamento concluído. Motivo principal: {label}.",
            "Após toda a tratativa o prestador optou pela saída. Motivo principal: {label}. Avaliar substituto na cidade.",
        ),
        "nao_se_trata_de_retencao": ("Caso aberto por engano; não se trata de retenção.",),
        "open": ("Aguardando retorno do prestador.", "Em negociação; reavaliar em 15 dias."),
    }
    OUTROS = (
        "Outros: oferecida flexibilização do prazo de envio das guias.",
        "Outros: oferecido pagamento antecipado da produção do mês.",
        "Outros: ajustada a agenda de divulgação para o período da manhã.",
    )


def _dmy(day: dt.date) -> str:
    return day.strftime("%d/%m")


class _Generator:
    """One corpus: all draws come from `self.rng`, in a fixed order (same seed, same corpus)."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.protocols: set[str] = set()
        self._cities: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
        self._network: dict[tuple[int, str, str], list[float]] = {}
        self._months = self._month_table()
        shares = np.array([op.share for op in OPERATORS])
        self._op_p = shares / shares.sum()
        self._uf_codes = tuple(UFS)
        self._uf_p = {}
        for i, op in enumerate(OPERATORS):
            w = np.array([UFS[u].population * op.uf_bias.get(u, 1.0) for u in self._uf_codes], dtype=float)
            self._uf_p[i] = w / w.sum()
        self._reason_codes = tuple(REASON_WEIGHTS)

    # -- small helpers ---------------------------------------------------------------------------
    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def pick(self, options, p=None):
        return options[int(self.rng.choice(len(options), p=p))]

    def _month_table(self):
        months, weights = [], []
        year, month, k = FIRST_START.year, FIRST_START.month, 0
        while dt.date(year, month, 1) <= ANCHOR:
            months.append((year, month))
            weights.append(MONTH_WEIGHT[month] * (1.0 + 0.12 * k / 12))  # the network grows ~12 %/year
            month, k = month + 1, k + 1
            if month == 13:
                year, month = year + 1, 1
        w = np.array(weights)
        return months, w / w.sum()

    def start_date(self) -> dt.date:
        months, p = self._months
        year, month = months[int(self.rng.choice(len(months), p=p))]
        last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
        day = dt.date(year, month, int(self.rng.integers(1, last + 1)))
        if day.weekday() >= 5 and self.chance(0.9):  # cases are opened on working days
            day += dt.timedelta(days=7 - day.weekday())
        return min(day, ANCHOR)

    def person_name(self) -> str:
        parts = [self.pick(_FIRST)]
        if self.chance(0.35):
            parts.append(self.pick(_MIDDLE))
        parts.append(self.pick(_LAST))
        if self.chance(0.6):
            parts.append(self.pick(_LAST))
        name = " ".join(parts)
        return name.upper() if self.chance(0.5) else name

    def cpf(self) -> str:
        while True:
            nine = "".join(str(d) for d in self.rng.integers(0, 10, 9))
            if len(set(nine)) > 1:
                return cpf_check_digits(nine)

    def cnpj(self, alphanumeric: bool) -> str:
        alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" if alphanumeric else "0123456789"
        while True:
            base = "".join(alphabet[i] for i in self.rng.integers(0, len(alphabet), 8))
            if alphanumeric and base.isdigit():
                continue
            branch = "0001" if self.chance(0.93) else f"{int(self.rng.integers(2, 6)):04d}"
            if len(set(base)) > 1:
                return cnpj_check_digits(base + branch)

    def protocol(self) -> str:
        while True:
            number = "SAD" + "".join(str(d) for d in self.rng.integers(0, 10, 12))
            if number not in self.protocols:
                self.protocols.add(number)
                return number

    def city(self, uf: str) -> tuple[str, int]:
        """An IBGE municipality of `uf` (capital-heavy, Zipf-like) and its size rank (0 = capital)."""
        if uf not in self._cities:
            names = [m.name for m in municipalities_of(uf)]
            capital = UFS[uf].capital
            others = [n for n in names if n != capital]
            order = self.rng.permutation(len(others))
            ranked = (capital, *(others[i] for i in order))
            w = 1.0 / np.arange(1, len(ranked) + 1) ** 1.15
            if len(ranked) > 1:
                w[0] = w[1:].sum() * 0.55  # the capital holds about a third of the network
            self._cities[uf] = (ranked, w / w.sum())
        ranked, p = self._cities[uf]
        rank = int(self.rng.choice(len(ranked), p=p))
        return ranked[rank], rank

    def network(self, op: int, uf: str, city: str, rank: int) -> tuple[int, int]:
        """Lives and listed CROs of the operator in a city: a property of the city, drifting slowly."""
        key = (op, uf, city)
        if key not in self._network:
            if rank == 0:
                lives = float(np.clip(self.rng.lognormal(math.log(1800), 0.6), 200, 5000))
                listed = float(np.clip(round(self.rng.lognormal(math.log(14), 0.5)), 4, 40))
            else:
                lives = float(np.clip(self.rng.lognormal(math.log(max(4.0, 500 / rank**0.8)), 0.8), 1, 5000))
                listed = float(min(40, self.rng.geometric(0.55 if rank > 3 else 0.3)))
            self._network[key] = [lives, listed]
        lives, listed = self._network[key]
        lives_now = int(np.clip(round(lives * math.exp(self.rng.normal(0, 0.04))), 1, 5000))
        if self.chance(0.1):
            listed = max(1.0, min(40.0, listed + self.pick((-1, 1))))
            self._network[key][1] = listed
        return lives_now, int(listed)

    def city_as_written(self, name: str) -> str:
        u = self.rng.random()
        if u < 0.55:
            return name
        if u < 0.9:
            return strip_accents(name).upper()  # "JOAO MONLEVADE", as many systems print it
        return name.upper()

    def reasons(self, op: Operator, requested_by: str) -> list[str]:
        weights = np.array([REASON_WEIGHTS[c] * op.reason_bias.get(c, 1.0) for c in self._reason_codes])
        if requested_by == "operadora":  # the operator opens the case when a provider goes quiet
            weights[self._reason_codes.index("perda_de_contato")] *= 1.8
        n = int(self.rng.choice((1, 2, 3), p=(0.55, 0.32, 0.13)))
        chosen = self.rng.choice(len(weights), size=n, replace=False, p=weights / weights.sum())
        return [self._reason_codes[i] for i in chosen]

    def duration(self, analyst: Analyst, reasons: list[str]) -> int:
        median = analyst.median_days * (1.3 if "perda_de_contato" in reasons else 1.0)
        return int(np.clip(round(self.rng.lognormal(math.log(median), 0.55)), 0, 420))

    def contact_dates(self, start: dt.date, end: dt.date, n: int) -> list[dt.date]:
        span = (end - start).days
        first = start + dt.timedelta(days=int(self.rng.integers(0, min(3, span) + 1)))
        if n == 1:
            return [first]
        last = end if self.chance(0.7) else end - dt.timedelta(days=int(self.rng.integers(0, min(5, span) + 1)))
        last = max(last, first)
        inner = sorted(int(x) for x in self.rng.integers((first - start).days, (last - start).days + 1, n - 2))
        return [first, *(start + dt.timedelta(days=d) for d in inner), last]

    # -- one case --------------------------------------------------------------------------------
    def case(self) -> dict[str, Any]:
        rng = self.rng
        rec = empty_record(None)  # type: ignore[arg-type]
        op_i = int(rng.choice(len(OPERATORS), p=self._op_p))
        op = OPERATORS[op_i]
        team = [a for a in ANALYSTS if a.operator == op_i]
        act = np.array([a.activity for a in team])
        analyst = team[int(rng.choice(len(team), p=act / act.sum()))]
        uf = self._uf_codes[int(rng.choice(len(self._uf_codes), p=self._uf_p[op_i]))]
        city, rank = self.city(uf)
        started = self.start_date()
        requested_by = "operadora" if self.chance(0.62) else "prestador"
        complaint = self.reasons(op, requested_by)

        # How it ends: a few cases are no retention at all; otherwise the operator's base odds,
        # the analyst's skill and the reasons behind it decide.
        if self.chance(0.06):
            outcome = "nao_se_trata_de_retencao"
        else:
            # RETENTION_CALIBRATION offsets the average pull of the reasons, so an operator's rate
            # over all its attempts lands near its `retention`.
            logit = math.log(op.retention / (1 - op.retention)) + analyst.skill + RETENTION_CALIBRATION
            logit += -0.35 if requested_by == "prestador" else 0.0
            odds = math.exp(logit)
            for r in complaint:
                odds *= REASON_RETENTION_ODDS[r]
            outcome = "retencao_efetiva" if self.chance(odds / (1 + odds)) else "desligamento"

        days = self.duration(analyst, complaint)
        if outcome == "nao_se_trata_de_retencao":
            days = min(days, int(rng.integers(1, 20)))
        finished = started + dt.timedelta(days=days)
        n_contacts = int(min(5, 1 + rng.binomial(4, min(0.9, days / 150 + 0.2))))
        dates = self.contact_dates(started, finished, n_contacts)
        is_open = finished > ANCHOR or self.chance(STALE_OPEN_RATE)
        if is_open:
            if finished > ANCHOR:
                dates = [d for d in dates if d <= ANCHOR] or [started]
            else:  # abandoned half-way: only the first contacts happened
                dates = dates[: int(rng.integers(1, max(2, len(dates))))]
        status = "open" if is_open else outcome

        # Header.
        rec["analyst"] = analyst.name.upper() if self.chance(0.12) else analyst.name
        rec["operator"] = op.name if self.chance(0.75) else self.pick(op.variants)
        person_type = "J" if self.chance(0.62) else "F"
        rec["person_type"] = person_type
        rec["cro_count"] = 1 if person_type == "F" else int(min(12, rng.geometric(0.55)))
        rec["dentist_name"] = self.person_name()
        rec["cro"] = str(int(rng.integers(1200, 140000 if uf == "SP" else 60000)))
        rec["cro_uf"] = uf if self.chance(0.95) else self.pick(self._uf_codes)
        if started >= ALNUM_CNPJ_SINCE + dt.timedelta(days=31) and self.chance(0.35):
            # credentialed since the alphanumeric CNPJ started: half of these new companies have one
            inclusion = ALNUM_CNPJ_SINCE + dt.timedelta(days=int(rng.integers(0, (started - ALNUM_CNPJ_SINCE).days - 14)))
        elif self.chance(0.1):  # a recently credentialed provider who gives up early
            inclusion = started - dt.timedelta(days=int(rng.integers(20, 300)))
        else:
            inclusion = started - dt.timedelta(days=int(np.clip(rng.lognormal(math.log(5 * 365), 0.7), 300, 9000)))
        rec["inclusion_date"] = inclusion.isoformat()
        if person_type == "J":
            rec["cnpj"] = self.cnpj(alphanumeric=inclusion >= ALNUM_CNPJ_SINCE and self.chance(0.5))
            rec["cpf"] = self.cpf() if self.chance(0.45) else None
        else:
            rec["cpf"] = self.cpf()
        rec["requested_by"] = requested_by
        rec["protocol_number"] = self.protocol()
        opened = started if self.chance(0.7) else started - dt.timedelta(days=int(rng.integers(1, 21)))
        rec["protocol_opened_on"] = opened.isoformat()
        rec["uf"] = uf
        rec["city"] = self.city_as_written(city)
        rec["lives"], rec["unique_cros_listed"] = self.network(op_i, uf, city, rank)
        u = rng.random()
        rec["accepts_other_plans"] = True if u < 0.55 else (False if u < 0.95 else None)
        if rec["accepts_other_plans"] and self.chance(0.85):
            k = int(rng.choice((1, 2, 3), p=(0.5, 0.35, 0.15)))
            rec["other_plans"] = ", ".join(OTHER_PLANS[i] for i in sorted(rng.choice(len(OTHER_PLANS), k, replace=False)))
        rec["coin_value"] = round(float(np.clip(op.coin + rng.integers(-4, 5) / 100, 0.35, 0.60)), 2)
        no_production = self.chance(0.5 if "perda_de_contato" in complaint else 0.25)
        if no_production:
            rec["last_production"] = "sem produção"
            rec["last_production_value"] = 0.0
        else:
            month = dt.date(started.year, started.month, 1) - dt.timedelta(days=int(rng.integers(0, 300)))
            rec["last_production"] = f"{month.month:02d}/{month.year}"
            cents = int(np.clip(rng.lognormal(math.log(90000), 1.0), 1500, 2_500_000))
            rec["last_production_value"] = cents / 100
        rec["started_on"] = started.isoformat()
        if not is_open:
            rec["finished_on"] = finished.isoformat()
            rec["days_to_close"] = days
            rec["outcome"] = outcome

        # Checkboxes, in the form's order (vocab order) so renderings read back identically.
        reasons: list[str] = []
        if status == "desligamento":
            reasons = complaint
        elif status == "retencao_efetiva" and self.chance(0.4):
            reasons = complaint[:1]
        elif status == "open" and self.chance(0.5):
            reasons = complaint[:1]
        elif status == "nao_se_trata_de_retencao" and self.chance(0.1):
            reasons = complaint[:1]
        rec["termination_reasons"] = [t.code for t in REASONS if t.code in reasons]
        probs = dict(ACTION_PROB[status])
        if set(complaint) & REMUNERATION:
            probs["novos_valores"] = min(0.95, probs["novos_valores"] * 1.5)
        if set(complaint) & PROCESS:
            probs["suporte"] = min(0.95, probs["suporte"] * 1.7)
        rec["retention_actions"] = [t.code for t in ACTIONS if self.chance(probs[t.code])]
        sectors = {SECTOR_OF_REASON[r] for r in complaint if r in SECTOR_OF_REASON}
        rec["responsible_sectors"] = (
            [t.code for t in SECTORS if t.code in sectors] if sectors and self.chance(0.35) else []
        )
        u = rng.random()
        rec["protocol_required"] = None if u < 0.75 else (True if u < 0.87 else False)

        rec["contacts"] = self.contacts(dates, status, requested_by, complaint, rec)
        # The form is dated when it was last touched: its closing day, or else its last contact.
        written = [dt.date.fromisoformat(c["date"]) for c in rec["contacts"] if c["date"]]
        last_contact = max(written, default=started)
        filed = finished if not is_open and (self.chance(0.85) or not written) else last_contact
        rec["form_date"] = filed.isoformat()
        rec["general_note"] = self.general_note(status, complaint, rec)
        k = int(rng.choice((0, 1, 2), p=(0.1, 0.55, 0.35)))
        rec["signatories"] = [op.supervisors[i] for i in sorted(rng.choice(len(op.supervisors), k, replace=False))]
        rec["_filed"] = filed  # internal: sort key, removed before the record leaves this module
        return rec

    def contacts(self, dates, status, requested_by, complaint, rec) -> list[dict[str, Any]]:
        n = len(dates)
        motive = _REASON_PHRASE[complaint[0]]
        coin = rec["coin_value"]
        out = []
        used: set[str] = set()
        for i, day in enumerate(dates):
            fill = {
                "motivo": motive,
                "prod": rec["last_production"] if rec["last_production"] != "sem produção" else "o último ano",
                "d1": _dmy(day + dt.timedelta(days=1)),
                "d2": _dmy(day + dt.timedelta(days=2)),
                "d3": _dmy(day + dt.timedelta(days=3)),
                "d5": _dmy(day + dt.timedelta(days=5)),
                "coin": _pt_coin(coin),
                "coin_new": _pt_coin(coin + 0.03),
                "hora": f"{int(self.rng.integers(8, 18)):02d}h{int(self.rng.integers(0, 12)) * 5:02d}",
            }
            if i == 0:
                pool = _Notes.FIRST_OPERATOR if requested_by == "operadora" else _Notes.FIRST_PROVIDER
            elif i == n - 1 and status != "open":
                pool = _Notes.LAST[status]
            else:
                pool = _Notes.MIDDLE
            fresh = [t for t in pool if t not in used] or list(pool)  # one case never repeats a note
            template = self.pick(fresh)
            used.add(template)
            note: str | None = template.format(**fill)
            date: str | None = day.isoformat()
            u = self.rng.random()
            if u < 0.03:
                date = None  # seed 001 style: notes without dates
            elif u < 0.05:
                note = None
            out.append({"number": i + 1, "date": date, "note": note})
        return out

    def general_note(self, status, complaint, rec) -> str | None:
        parts = []
        if self.chance(0.55 if status != "open" else 0.15):
            label = next(t.label for t in REASONS if t.code == complaint[0])
            acao = "oferta de novos valores" if "novos_valores" in rec["retention_actions"] else "suporte e ajustes no atendimento"
            parts.append(self.pick(_Notes.GENERAL[status]).format(label=label, acao=acao))
        if "outros" in rec["retention_actions"]:  # the form requires a justification for "Outros"
            parts.append(self.pick(_Notes.OUTROS))
        return " ".join(parts) or None

    # -- updates and defects ---------------------------------------------------------------------
    def earlier_version(self, rec: dict[str, Any]) -> dict[str, Any]:
        """The same case filed earlier, while still open: fewer contacts, no ending."""
        early = {k: (list(v) if isinstance(v, list) else v) for k, v in rec.items()}
        k = int(self.rng.integers(1, len(rec["contacts"])))
        early["contacts"] = [dict(c) for c in rec["contacts"][:k]]
        last_date = max((c["date"] for c in early["contacts"] if c["date"]), default=rec["started_on"])
        early["form_date"] = last_date
        early["_filed"] = dt.date.fromisoformat(last_date)
        for key in ("outcome", "finished_on", "days_to_close", "general_note"):
            early[key] = None
        if self.chance(0.5):
            early["termination_reasons"] = []
        early["retention_actions"] = [a for a in rec["retention_actions"] if self.chance(0.5)]
        return early

    def defects(self, rec: dict[str, Any]) -> tuple[Defect, ...]:
        closed = rec["outcome"] is not None
        kinds = ["blank_fields", "city_typo", "both_checked"]
        if sum(1 for c in rec["contacts"] if c["date"]) >= 2:
            kinds.append("dates_out_of_order")
        if closed:
            kinds += ["two_outcomes", "days_mismatch"]
        n = 1 if self.chance(0.75) else 2
        out = []
        for kind in self.rng.choice(kinds, size=min(n, len(kinds)), replace=False):
            defect = getattr(self, f"_defect_{kind}")(rec)
            if defect is not None:
                out.append(defect)
        return tuple(out)

    def _defect_blank_fields(self, rec):
        candidates = [("cnpj" if rec["cnpj"] else "cpf") if k == "cnpj_or_cpf" else k for k in BLANKABLE]
        keys = sorted(self.rng.choice(candidates, size=int(self.rng.integers(1, 5)), replace=False))
        for k in keys:
            rec[k] = None
        return Defect("blank_fields", tuple(str(k) for k in keys))

    def _defect_city_typo(self, rec):
        city = rec["city"]
        if not city or len(city) < 5:
            return None
        for _ in range(8):
            i = int(self.rng.integers(1, len(city) - 1))
            op = int(self.rng.integers(0, 3))
            if op == 0:
                typo = city[:i] + city[i + 1 :]  # a letter dropped
            elif op == 1:
                typo = city[:i] + city[i + 1] + city[i] + city[i + 2 :]  # two letters swapped
            else:
                typo = city[:i] + city[i] + city[i:]  # a letter doubled
            if typo != city and " " not in (typo[0], typo[-1]) and "  " not in typo and match_city(rec["uf"], typo) is None:
                rec["city"] = typo
                return Defect("city_typo", (city, typo))
        return None

    def _defect_both_checked(self, rec):
        key = "accepts_other_plans" if self.chance(0.6) else "protocol_required"
        rec[key] = None
        return Defect("both_checked", (key,))

    def _defect_dates_out_of_order(self, rec):
        dated = [c for c in rec["contacts"] if c["date"]]
        pairs = [(a, b) for a, b in zip(dated, dated[1:]) if a["date"] != b["date"]]
        if not pairs:
            return None
        a, b = pairs[int(self.rng.integers(0, len(pairs)))]
        a["date"], b["date"] = b["date"], a["date"]
        return Defect("dates_out_of_order", ("contacts", str(a["number"]), str(b["number"])))

    def _defect_two_outcomes(self, rec):
        other = self.pick([c for c in ("retencao_efetiva", "desligamento", "nao_se_trata_de_retencao") if c != rec["outcome"]])
        checked = tuple(c for c in ("retencao_efetiva", "desligamento", "nao_se_trata_de_retencao") if c in (rec["outcome"], other))
        rec["outcome"] = None  # two boxes checked: the form does not say which
        return Defect("two_outcomes", checked)

    def _defect_days_mismatch(self, rec):
        true = rec["days_to_close"]
        if true is None:
            return None
        if true >= 10 and self.chance(0.4):
            written = int(str(true)[::-1]) if str(true)[::-1] != str(true) else true + 10  # digits swapped
        else:
            written = true + int(self.pick((-1, 1))) * int(self.rng.integers(1, 40))
        written = max(0, written)
        if written == true:
            written = true + 1
        rec["days_to_close"] = written
        return Defect("days_mismatch", (str(true), str(written)))


# The optional "Substituição" block (fields.py, section "substitution"): on this share of the
# closed terminations, with notices mostly on time, some late, some missing, and substitutes mostly
# in the same municipality (docs/metrics.md, "Conformidade ANS", names the statuses).
SUBSTITUTION_RATE = 0.4
_CLINIC_WORDS = ("Clínica Odontológica", "Consultório Odontológico", "Odonto", "Centro Odontológico")


def _substitution(rec: dict[str, Any], rng: np.random.Generator) -> dict[str, Any] | None:
    """The "Substituição" block of a closed termination's form, or None (most forms have none).

    Drawn from its own generator (see generate_corpus), so adding the block changed no other draw:
    every other value of the corpus is what it was before the block existed."""
    u = rng.random(6)
    if rec["outcome"] != "desligamento" or rec["finished_on"] is None or u[0] >= SUBSTITUTION_RATE:
        return None
    exit_date = dt.date.fromisoformat(rec["finished_on"]) + dt.timedelta(days=int(rng.integers(0, 46)))
    block: dict[str, Any] = {key: None for key in SUBSTITUTION_KEYS}
    block["exit_date"] = exit_date.isoformat()
    if u[1] < 0.7:  # published at least 30 days ahead: on time
        block["notice_date"] = (exit_date - dt.timedelta(days=int(rng.integers(30, 61)))).isoformat()
    elif u[1] < 0.85:  # late
        block["notice_date"] = (exit_date - dt.timedelta(days=int(rng.integers(0, 30)))).isoformat()
    uf = rec["uf"]
    if u[2] < 0.75 and uf:
        if u[3] < 0.7 and rec["city"]:
            city = rec["city"]  # the same municipality, as the case writes it
        else:
            names = [m.name for m in municipalities_of(uf)]
            city = names[int(rng.integers(0, len(names)))]
        block["substitute_cro"] = str(int(rng.integers(1200, 60000)))
        block["substitute_uf"] = uf
        block["substitute_city"] = city
        words = _CLINIC_WORDS[int(rng.integers(0, len(_CLINIC_WORDS)))]
        block["substitute_name"] = f"{words} {_LAST[int(rng.integers(0, len(_LAST)))]}"
    return block


def _format_plan(n: int, rng: np.random.Generator) -> list[str]:
    names = list(FORMAT_SHARES)
    p = np.array([FORMAT_SHARES[f] for f in names])
    return [names[i] for i in rng.choice(len(names), size=n, p=p / p.sum())]


def generate_corpus(cases: int, seed: int) -> list[DemoForm]:
    """`cases` distinct cases as form files (plus ~3 % earlier versions), in filing order."""
    if cases < 0:
        raise ValueError("cases must be >= 0")
    from .render import EXTENSIONS  # here, not at the top: render imports this module's Defect

    gen = _Generator(seed)
    rng = gen.rng
    entries: list[tuple[dt.date, int, int, dict[str, Any]]] = []
    for index in range(cases):
        rec = gen.case()
        entries.append((rec["_filed"], index, 1, rec))
        if rec["outcome"] is not None and len(rec["contacts"]) >= 2 and gen.chance(DUPLICATE_RATE / 0.85):
            entries.append((None, index, 0, rec))  # placeholder, built below from the final record
    # Earlier versions are drawn after all cases so adding them never shifts the cases' draws.
    for i, (filed, index, version, rec) in enumerate(entries):
        if version == 0:
            early = gen.earlier_version(rec)
            entries[i] = (early["_filed"], index, 0, early)
    entries.sort(key=lambda e: (e[0], e[1], e[2]))
    width = max(4, len(str(len(entries))))
    formats = _format_plan(len(entries), rng)
    t_names = list(TEMPLATE_SHARES)
    t_p = np.array([TEMPLATE_SHARES[t] for t in t_names])
    # The "Substituição" blocks have a generator of their own: the corpus's other draws stay the same.
    blocks = np.random.default_rng([seed, 13])
    forms: list[DemoForm] = []
    for n, ((_, _, _, rec), fmt) in enumerate(zip(entries, formats), start=1):
        rec = {k: (list(v) if isinstance(v, list) else v) for k, v in rec.items() if k != "_filed"}
        rec["contacts"] = [dict(c) for c in rec["contacts"]]
        rec["substitution"] = _substitution(rec, blocks)
        defects = gen.defects(rec) if gen.chance(DEFECT_RATE) else ()
        if rec["outcome"] != "desligamento":
            rec["substitution"] = None  # a defect took the status away: the block would only be warned about
        template = t_names[int(rng.choice(len(t_names), p=t_p / t_p.sum()))]
        if template == "antigo" and "motivos_particulares" in rec["termination_reasons"]:
            template = "atual"  # the old template has no "Motivos Particulares" box
        name = f"{n:0{width}d}_{rec['protocol_number'] or 'sem_protocolo'}{EXTENSIONS[fmt]}"
        rec["source"] = name
        forms.append(DemoForm(name, fmt, {k: rec[k] for k in RECORD_KEYS}, defects, template))
    return forms


def generate_records(cases: int, seed: int) -> list[dict[str, Any]]:
    """The records of `generate_corpus(cases, seed)`: what each generated form says."""
    return [form.record for form in generate_corpus(cases, seed)]
