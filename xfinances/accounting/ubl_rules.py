def check_en16931(xml: bytes) -> list[str]:
    return []
