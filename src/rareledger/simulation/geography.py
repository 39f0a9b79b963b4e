"""Where the simulated enterprises are: real districts of the industry, with map coordinates.

Mines and plants sit where the two state groups work (fact sheet sections 4.1 and 5.2 of
``shared/reference/rare-earth-domain.md``): China Northern Rare Earth's light rare earth at Bayan
Obo and Baotou, Inner Mongolia (with a plant in Baiyin, Gansu); China Rare Earth Group's
bastnaesite in Liangshan, Sichuan, and its ionic clay in the southern provinces (Jiangxi,
Guangdong, Fujian, Guangxi, Hunan). Magnet makers sit in the industry's clusters: Ningbo,
Baotou, Ganzhou, Beijing-Tianjin and Shanxi. Division codes are those of the national
administrative division list; coordinates are approximate town centres (to 0.01 degree, from
public gazetteers) and each facility is placed a few kilometres from its town. The shares of
each kind of site are this project's assumption (docs/simulation.md, "Geography").
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Site:
    code: str  # administrative division code
    district: str
    district_local: str
    city: str
    city_local: str
    province: str
    lat: float
    lon: float

    @property
    def region(self) -> str:
        return f"{self.province}, {self.city}, {self.district} ({self.code})"


def _site(code: str, district: str, city: str, province: str, lat: float, lon: float) -> Site:
    """``district`` and ``city`` are "English|中文"."""
    name, local = district.split("|")
    city_name, city_local = city.split("|")
    return Site(code, name, local, city_name, city_local, province, lat, lon)


BAOTOU = "Baotou|包头"
GANZHOU = "Ganzhou|赣州"
NINGBO = "Ningbo|宁波"
# Bayan Obo: the one mixed-ore mine of China Northern RE.
BAYAN_OBO = _site("150206", "Bayan Obo|白云鄂博矿区", BAOTOU, "Inner Mongolia", 41.77, 109.97)
KUNDULUN = _site("150203", "Kundulun|昆都仑区", BAOTOU, "Inner Mongolia", 40.64, 109.84)
QINGSHAN = _site("150204", "Qingshan|青山区", BAOTOU, "Inner Mongolia", 40.64, 109.90)
JIUYUAN = _site("150207", "Jiuyuan|九原区", BAOTOU, "Inner Mongolia", 40.61, 109.97)
BAIYIN = _site("620402", "Baiyin|白银区", "Baiyin|白银", "Gansu", 36.55, 104.17)
MIANNING = _site("513433", "Mianning|冕宁县", "Liangshan|凉山", "Sichuan", 28.55, 102.18)
DECHANG = _site("513424", "Dechang|德昌县", "Liangshan|凉山", "Sichuan", 27.40, 102.18)
WUTONGQIAO = _site("511112", "Wutongqiao|五通桥区", "Leshan|乐山", "Sichuan", 29.41, 103.82)
LONGNAN = _site("360783", "Longnan|龙南市", GANZHOU, "Jiangxi", 24.91, 114.79)
XUNWU = _site("360734", "Xunwu|寻乌县", GANZHOU, "Jiangxi", 24.95, 115.65)
DINGNAN = _site("360728", "Dingnan|定南县", GANZHOU, "Jiangxi", 24.78, 115.03)
ANYUAN = _site("360726", "Anyuan|安远县", GANZHOU, "Jiangxi", 25.14, 115.39)
ZHANGGONG = _site("360702", "Zhanggong|章贡区", GANZHOU, "Jiangxi", 25.83, 114.94)
GANXIAN = _site("360704", "Ganxian|赣县区", GANZHOU, "Jiangxi", 25.86, 115.01)
NANKANG = _site("360703", "Nankang|南康区", GANZHOU, "Jiangxi", 25.66, 114.76)
XINFENG = _site("360722", "Xinfeng|信丰县", GANZHOU, "Jiangxi", 25.39, 114.92)
PINGYUAN = _site("441426", "Pingyuan|平远县", "Meizhou|梅州", "Guangdong", 24.57, 115.89)
LONGCHUAN = _site("441622", "Longchuan|龙川县", "Heyuan|河源", "Guangdong", 24.10, 115.26)
YUANCHENG = _site("441602", "Yuancheng|源城区", "Heyuan|河源", "Guangdong", 23.74, 114.70)
CHANGTING = _site("350821", "Changting|长汀县", "Longyan|龙岩", "Fujian", 25.84, 116.36)
WUPING = _site("350824", "Wuping|武平县", "Longyan|龙岩", "Fujian", 25.10, 116.10)
JIANGZHOU = _site("451402", "Jiangzhou|江州区", "Chongzuo|崇左", "Guangxi", 22.38, 107.36)
BABU = _site("451102", "Babu|八步区", "Hezhou|贺州", "Guangxi", 24.41, 111.55)
JIANGHUA = _site("431129", "Jianghua|江华县", "Yongzhou|永州", "Hunan", 25.18, 111.58)
LENGSHUITAN = _site("431103", "Lengshuitan|冷水滩区", "Yongzhou|永州", "Hunan", 26.41, 111.60)
YINZHOU = _site("330212", "Yinzhou|鄞州区", NINGBO, "Zhejiang", 29.82, 121.55)
BEILUN = _site("330206", "Beilun|北仑区", NINGBO, "Zhejiang", 29.90, 121.84)
ZHENHAI = _site("330211", "Zhenhai|镇海区", NINGBO, "Zhejiang", 29.95, 121.71)
CIXI = _site("330282", "Cixi|慈溪市", NINGBO, "Zhejiang", 30.17, 121.27)
CHANGPING = _site("110114", "Changping|昌平区", "Beijing|北京", "Beijing", 40.22, 116.23)
HAIDIAN = _site("110108", "Haidian|海淀区", "Beijing|北京", "Beijing", 39.96, 116.30)
BINHAI = _site("120116", "Binhai New Area|滨海新区", "Tianjin|天津", "Tianjin", 39.02, 117.71)
WUQING = _site("120114", "Wuqing|武清区", "Tianjin|天津", "Tianjin", 39.38, 117.04)
XIAODIAN = _site("140105", "Xiaodian|小店区", "Taiyuan|太原", "Shanxi", 37.74, 112.56)
YANHU = _site("140802", "Yanhu|盐湖区", "Yuncheng|运城", "Shanxi", 35.03, 111.00)
PUDONG = _site("310115", "Pudong|浦东新区", "Shanghai|上海", "Shanghai", 31.22, 121.54)
BAOSHAN = _site("310113", "Baoshan|宝山区", "Shanghai|上海", "Shanghai", 31.40, 121.49)
FUTIAN = _site("440304", "Futian|福田区", "Shenzhen|深圳", "Guangdong", 22.52, 114.05)

Weighted = tuple[tuple[Site, float], ...]
# Sites by kind, each with its share of the enterprises of that kind (assumption).
SITES: dict[str, Weighted] = {
    "mine:northern:light": ((BAYAN_OBO, 1.0),),
    "mine:chinare:light": ((MIANNING, 0.7), (DECHANG, 0.3)),
    "mine:chinare:ionic": (
        (LONGNAN, 0.16), (XUNWU, 0.12), (DINGNAN, 0.1), (ANYUAN, 0.08), (PINGYUAN, 0.1),
        (LONGCHUAN, 0.08), (CHANGTING, 0.1), (WUPING, 0.06), (JIANGZHOU, 0.08), (BABU, 0.06),
        (JIANGHUA, 0.06),
    ),
    "plant:northern": ((KUNDULUN, 0.35), (QINGSHAN, 0.25), (JIUYUAN, 0.25), (BAIYIN, 0.15)),
    "plant:chinare:light": ((MIANNING, 0.5), (WUTONGQIAO, 0.5)),
    "plant:chinare:ionic": (
        (GANXIAN, 0.2), (ZHANGGONG, 0.1), (LONGNAN, 0.15), (XUNWU, 0.1), (YUANCHENG, 0.1),
        (PINGYUAN, 0.05), (CHANGTING, 0.12), (JIANGZHOU, 0.1), (LENGSHUITAN, 0.08),
    ),
    "smelter:northern": ((QINGSHAN, 0.5), (KUNDULUN, 0.3), (JIUYUAN, 0.2)),
    "smelter:chinare": ((GANXIAN, 0.4), (XINFENG, 0.2), (WUTONGQIAO, 0.2), (CHANGTING, 0.2)),
    "smelter": ((GANXIAN, 0.3), (NANKANG, 0.2), (QINGSHAN, 0.2), (XINFENG, 0.15), (CIXI, 0.15)),
    "magnet": (  # Ningbo, Baotou, Ganzhou, Beijing-Tianjin, Shanxi
        (YINZHOU, 0.14), (BEILUN, 0.08), (ZHENHAI, 0.06), (CIXI, 0.1),
        (QINGSHAN, 0.08), (JIUYUAN, 0.08),
        (GANXIAN, 0.1), (ZHANGGONG, 0.06),
        (CHANGPING, 0.06), (HAIDIAN, 0.03), (BINHAI, 0.04), (WUQING, 0.03),
        (XIAODIAN, 0.08), (YANHU, 0.06),
    ),
    "recycling": (
        (GANXIAN, 0.25), (LONGNAN, 0.15), (XINFENG, 0.1), (CIXI, 0.2), (JIUYUAN, 0.15),
        (LENGSHUITAN, 0.15),
    ),
    "trade": (
        (KUNDULUN, 0.15), (QINGSHAN, 0.1), (ZHANGGONG, 0.2), (PUDONG, 0.15), (BAOSHAN, 0.1),
        (HAIDIAN, 0.1), (YINZHOU, 0.1), (FUTIAN, 0.1),
    ),
    "export": (
        (PUDONG, 0.2), (BAOSHAN, 0.1), (BEILUN, 0.2), (BINHAI, 0.15), (FUTIAN, 0.15),
        (KUNDULUN, 0.1), (ZHANGGONG, 0.1),
    ),
}  # fmt: skip
JITTER_DEG = 0.04  # a facility lies within about 4 km of its town's centre

# Words of invented firm names: pinyin and characters.
WORDS: tuple[tuple[str, str], ...] = (
    ("Hengtai", "恒泰"), ("Xinhua", "鑫华"), ("Tianrun", "天润"), ("Ruiyuan", "瑞源"),
    ("Huayu", "华宇"), ("Shengda", "盛达"), ("Yongxin", "永鑫"), ("Hongye", "宏业"),
    ("Kaiyuan", "开元"), ("Baosheng", "宝盛"), ("Lianhe", "联合"), ("Fuda", "富达"),
    ("Guoxin", "国鑫"), ("Longteng", "龙腾"), ("Anke", "安科"), ("Jiahe", "嘉禾"),
    ("Zhenxing", "振兴"), ("Qiangsheng", "强盛"), ("Yida", "亿达"), ("Jinrui", "金瑞"),
    ("Xiangyun", "祥云"), ("Hongda", "鸿达"), ("Deyuan", "德源"), ("Ruifeng", "瑞丰"),
    ("Boyuan", "博源"), ("Taifeng", "泰丰"),
)  # fmt: skip
TRADES: dict[str, tuple[str, str]] = {
    "miner": ("Rare Earth Mining", "稀土矿业"),
    "separator": ("Rare Earth Smelting and Separation", "稀土冶炼分离"),
    "metal_smelter": ("Rare Earth Metals", "稀土金属"),
    "magnet_maker": ("Magnetic Materials", "磁性材料"),
    "recycler": ("Resource Recycling", "资源再生"),
    "trader": ("Nonferrous Metals Trading", "有色金属贸易"),
    "exporter": ("Import and Export", "进出口"),
}


def place(rng: random.Random, kind: str) -> Site:
    """A site of ``kind``, by the shares of the table."""
    table = SITES[kind]
    return rng.choices([s for s, _ in table], [w for _, w in table])[0]


def spot(rng: random.Random, site: Site) -> tuple[float, float]:
    """A facility's coordinates: near the site's town, rounded to about 100 m."""
    lat = site.lat + rng.uniform(-JITTER_DEG, JITTER_DEG)
    lon = site.lon + rng.uniform(-JITTER_DEG, JITTER_DEG)
    return round(lat, 3), round(lon, 3)
