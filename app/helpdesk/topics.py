"""Help-desk topics and the words that call them up, in every supported language.

Keywords are matched case-insensitively after NFKC normalisation. In scripts written without
spaces (Chinese, Japanese, Korean, Arabic with attached articles) a keyword matches anywhere; in
the others it matches at the start of a word, so stems like Russian "карт" also find "карту".
"""

from __future__ import annotations

#: Checked in this order: the first topic with a matching word answers ("lost card" before "card").
TOPICS = ("lost_card", "permit", "contributions", "card", "language", "human")

KEYWORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "lost_card": {
        "en": ("lost", "stolen", "lost card", "replace my card", "replacement"),
        "zh_Hans": ("挂失", "丢失", "丢了", "补卡", "补办"),
        "zh_Hant": ("掛失", "遺失", "丟失", "丟了", "補卡", "補辦"),
        "ko": ("분실", "잃어버", "재발급"),
        "ja": ("紛失", "なくし", "無くし", "再発行"),
        "ru": ("потерял", "потеря", "утерян", "украли"),
        "fr": ("perdu", "perte", "volé", "remplacement"),
        "de": ("verloren", "gestohlen", "verlust", "ersatzkarte"),
        "es": ("perdí", "perdida", "pérdida", "robada", "robaron"),
        "pt": ("perdi", "perdido", "perda", "roubado", "roubaram"),
        "vi": ("mất thẻ", "bị mất", "làm mất", "đánh mất"),
        "ar": ("فقدت", "مفقود", "ضائع", "سرقة", "سرقت"),
    },
    "permit": {
        "en": ("permit", "work permit", "visa", "residence"),
        "zh_Hans": ("工作许可", "许可证", "签证", "居留"),
        "zh_Hant": ("工作許可", "許可證", "簽證", "居留"),
        "ko": ("취업허가", "허가증", "비자", "체류"),
        "ja": ("就労許可", "許可証", "ビザ", "在留"),
        "ru": ("разрешени", "виза", "визы", "визу"),
        "fr": ("permis", "visa", "titre de séjour"),
        "de": ("arbeitserlaubnis", "genehmigung", "visum", "aufenthalt"),
        "es": ("permiso", "visado", "residencia"),
        "pt": ("autorização", "autorizacao", "permissão", "visto", "residência"),
        "vi": ("giấy phép", "thị thực", "cư trú"),
        "ar": ("تصريح", "تأشيرة", "إقامة"),
    },
    "contributions": {
        "en": ("contribution", "pension", "payment", "paid"),
        "zh_Hans": ("缴费", "缴纳", "社保费", "养老金"),
        "zh_Hant": ("繳費", "繳納", "社保費", "養老金"),
        "ko": ("납부", "보험료", "연금"),
        "ja": ("保険料", "納付", "年金"),
        "ru": ("взнос", "пенси", "отчислени"),
        "fr": ("cotisation", "retraite"),
        "de": ("beitrag", "beiträge", "rente"),
        "es": ("cotizaci", "aportacion", "aportación", "pensión"),
        "pt": ("contribuiç", "contribuic", "previdência", "pensão"),
        "vi": ("đóng bảo hiểm", "đóng góp", "lương hưu"),
        "ar": ("اشتراك", "مساهمة", "مساهمات", "تقاعد"),
    },
    "card": {
        "en": ("card", "sscard", "social security card", "qr code"),
        "zh_Hans": ("社保卡", "电子社保卡", "卡"),
        "zh_Hant": ("社保卡", "電子社保卡", "社會保障卡", "卡"),
        "ko": ("카드", "사회보장카드", "보험카드"),
        "ja": ("カード", "社会保障カード"),
        "ru": ("карт",),
        "fr": ("carte",),
        "de": ("karte",),
        "es": ("tarjeta",),
        "pt": ("cartão", "cartao"),
        "vi": ("thẻ", "thẻ bảo hiểm"),
        "ar": ("بطاقة", "البطاقة"),
    },
    "language": {
        "en": ("language", "english"),
        "zh_Hans": ("语言", "英文", "英语", "中文"),
        "zh_Hant": ("語言", "英語", "繁體"),
        "ko": ("언어", "한국어"),
        "ja": ("言語", "日本語"),
        "ru": ("язык", "русск"),
        "fr": ("langue", "français", "francais"),
        "de": ("sprache", "deutsch"),
        "es": ("idioma", "español", "espanol"),
        "pt": ("língua", "lingua", "português", "portugues"),
        "vi": ("ngôn ngữ", "tiếng việt"),
        "ar": ("لغة", "اللغة", "عربي"),
    },
    "human": {
        "en": ("help", "human", "agent", "staff", "person"),
        "zh_Hans": ("人工", "客服", "帮助"),
        "zh_Hant": ("客服", "幫助", "真人"),
        "ko": ("상담", "도움", "상담원"),
        "ja": ("担当者", "ヘルプ", "助けて", "オペレーター"),
        "ru": ("помощ", "оператор", "человек"),
        "fr": ("aide", "conseiller", "humain"),
        "de": ("hilfe", "mitarbeiter", "mensch"),
        "es": ("ayuda", "agente", "humano"),
        "pt": ("ajuda", "atendente", "humano"),
        "vi": ("giúp", "trợ giúp", "nhân viên"),
        "ar": ("مساعدة", "موظف", "مساعده"),
    },
}
