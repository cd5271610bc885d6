"""Place names for GB/T 2260 six-digit administrative codes: provinces and major cities.

A work address carries a 6-digit code (province 2 + city 2 + county 2). The table below names
every province-level area and the cities most foreign workers live in; a county or district code
falls back to its city (first four digits + "00"), then to its province (first two + "0000").
Names are translatable (context "place"); the Chinese name is always given beside them.
"""

from __future__ import annotations

import re

from app.i18n import lazy_pgettext, to_text

_CODE = re.compile(r"^\d{6}$")

#: Province-level areas: code → (English msgid, Chinese name). Municipalities are provinces here.
PROVINCES = {
    "110000": (lazy_pgettext("place", "Beijing"), "北京市"),
    "120000": (lazy_pgettext("place", "Tianjin"), "天津市"),
    "130000": (lazy_pgettext("place", "Hebei"), "河北省"),
    "140000": (lazy_pgettext("place", "Shanxi"), "山西省"),
    "150000": (lazy_pgettext("place", "Inner Mongolia"), "内蒙古自治区"),
    "210000": (lazy_pgettext("place", "Liaoning"), "辽宁省"),
    "220000": (lazy_pgettext("place", "Jilin"), "吉林省"),
    "230000": (lazy_pgettext("place", "Heilongjiang"), "黑龙江省"),
    "310000": (lazy_pgettext("place", "Shanghai"), "上海市"),
    "320000": (lazy_pgettext("place", "Jiangsu"), "江苏省"),
    "330000": (lazy_pgettext("place", "Zhejiang"), "浙江省"),
    "340000": (lazy_pgettext("place", "Anhui"), "安徽省"),
    "350000": (lazy_pgettext("place", "Fujian"), "福建省"),
    "360000": (lazy_pgettext("place", "Jiangxi"), "江西省"),
    "370000": (lazy_pgettext("place", "Shandong"), "山东省"),
    "410000": (lazy_pgettext("place", "Henan"), "河南省"),
    "420000": (lazy_pgettext("place", "Hubei"), "湖北省"),
    "430000": (lazy_pgettext("place", "Hunan"), "湖南省"),
    "440000": (lazy_pgettext("place", "Guangdong"), "广东省"),
    "450000": (lazy_pgettext("place", "Guangxi"), "广西壮族自治区"),
    "460000": (lazy_pgettext("place", "Hainan"), "海南省"),
    "500000": (lazy_pgettext("place", "Chongqing"), "重庆市"),
    "510000": (lazy_pgettext("place", "Sichuan"), "四川省"),
    "520000": (lazy_pgettext("place", "Guizhou"), "贵州省"),
    "530000": (lazy_pgettext("place", "Yunnan"), "云南省"),
    "540000": (lazy_pgettext("place", "Tibet (Xizang)"), "西藏自治区"),
    "610000": (lazy_pgettext("place", "Shaanxi"), "陕西省"),
    "620000": (lazy_pgettext("place", "Gansu"), "甘肃省"),
    "630000": (lazy_pgettext("place", "Qinghai"), "青海省"),
    "640000": (lazy_pgettext("place", "Ningxia"), "宁夏回族自治区"),
    "650000": (lazy_pgettext("place", "Xinjiang"), "新疆维吾尔自治区"),
    "710000": (lazy_pgettext("place", "Taiwan"), "台湾省"),
    "810000": (lazy_pgettext("place", "Hong Kong"), "香港特别行政区"),
    "820000": (lazy_pgettext("place", "Macao"), "澳门特别行政区"),
}

#: Prefecture-level cities: code → (English msgid, Chinese name).
CITIES = {
    "130100": (lazy_pgettext("place", "Shijiazhuang"), "石家庄市"),
    "140100": (lazy_pgettext("place", "Taiyuan"), "太原市"),
    "150100": (lazy_pgettext("place", "Hohhot"), "呼和浩特市"),
    "210100": (lazy_pgettext("place", "Shenyang"), "沈阳市"),
    "210200": (lazy_pgettext("place", "Dalian"), "大连市"),
    "220100": (lazy_pgettext("place", "Changchun"), "长春市"),
    "230100": (lazy_pgettext("place", "Harbin"), "哈尔滨市"),
    "320100": (lazy_pgettext("place", "Nanjing"), "南京市"),
    "320200": (lazy_pgettext("place", "Wuxi"), "无锡市"),
    "320400": (lazy_pgettext("place", "Changzhou"), "常州市"),
    "320500": (lazy_pgettext("place", "Suzhou"), "苏州市"),
    "330100": (lazy_pgettext("place", "Hangzhou"), "杭州市"),
    "330200": (lazy_pgettext("place", "Ningbo"), "宁波市"),
    "330300": (lazy_pgettext("place", "Wenzhou"), "温州市"),
    "330400": (lazy_pgettext("place", "Jiaxing"), "嘉兴市"),
    "330700": (lazy_pgettext("place", "Jinhua"), "金华市"),
    "340100": (lazy_pgettext("place", "Hefei"), "合肥市"),
    "350100": (lazy_pgettext("place", "Fuzhou"), "福州市"),
    "350200": (lazy_pgettext("place", "Xiamen"), "厦门市"),
    "360100": (lazy_pgettext("place", "Nanchang"), "南昌市"),
    "370100": (lazy_pgettext("place", "Jinan"), "济南市"),
    "370200": (lazy_pgettext("place", "Qingdao"), "青岛市"),
    "410100": (lazy_pgettext("place", "Zhengzhou"), "郑州市"),
    "420100": (lazy_pgettext("place", "Wuhan"), "武汉市"),
    "430100": (lazy_pgettext("place", "Changsha"), "长沙市"),
    "440100": (lazy_pgettext("place", "Guangzhou"), "广州市"),
    "440300": (lazy_pgettext("place", "Shenzhen"), "深圳市"),
    "440400": (lazy_pgettext("place", "Zhuhai"), "珠海市"),
    "440600": (lazy_pgettext("place", "Foshan"), "佛山市"),
    "441900": (lazy_pgettext("place", "Dongguan"), "东莞市"),
    "450100": (lazy_pgettext("place", "Nanning"), "南宁市"),
    "460100": (lazy_pgettext("place", "Haikou"), "海口市"),
    "460200": (lazy_pgettext("place", "Sanya"), "三亚市"),
    "510100": (lazy_pgettext("place", "Chengdu"), "成都市"),
    "520100": (lazy_pgettext("place", "Guiyang"), "贵阳市"),
    "530100": (lazy_pgettext("place", "Kunming"), "昆明市"),
    "540100": (lazy_pgettext("place", "Lhasa"), "拉萨市"),
    "610100": (lazy_pgettext("place", "Xi'an"), "西安市"),
    "620100": (lazy_pgettext("place", "Lanzhou"), "兰州市"),
    "630100": (lazy_pgettext("place", "Xining"), "西宁市"),
    "640100": (lazy_pgettext("place", "Yinchuan"), "银川市"),
    "650100": (lazy_pgettext("place", "Ürümqi"), "乌鲁木齐市"),
}


def _entry(code: str, table: dict) -> dict | None:
    """{code, name, name_zh} for a code in one table, translated now; None if absent."""
    found = table.get(code)
    if found is None:
        return None
    return {"code": code, "name": to_text(found[0]), "name_zh": found[1]}


def describe_place(code: str | None) -> dict | None:
    """The city (or province-level area) of a 6-digit code, in the active locale, with its province.

    Returns {"code", "name", "name_zh", "province"} where province is null for a province-level
    match; name and name_zh are null for a well-formed code that the table does not know.
    """
    if not code:
        return None
    code = str(code).strip()
    if not _CODE.match(code):
        return {"code": code, "name": None, "name_zh": None, "province": None}
    province = _entry(code[:2] + "0000", PROVINCES)
    city = _entry(code, CITIES) or _entry(code[:4] + "00", CITIES)
    if city is not None:
        return {**city, "code": code, "province": province}
    if province is not None:
        return {**province, "code": code, "province": None}
    return {"code": code, "name": None, "name_zh": None, "province": None}
