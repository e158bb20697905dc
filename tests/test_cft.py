from iioe_nb import cft


def test_eighteen_competencies_in_framework_order():
    codes = list(cft.framework())
    assert len(codes) == 18
    assert codes[:3] == ["POL-KA", "POL-KD", "POL-KC"]
    assert codes[-1] == "TPL-KC"


def test_names_in_three_languages():
    assert cft.name("DIG-KA") == "Application"
    assert cft.name("PED-KD", "fr") == "Résolution de problèmes complexes"
    assert cft.name("TPL-KA", "zh") == "数字素养"
    for comp in cft.framework().values():
        assert set(comp.names) == {"en", "fr", "zh"} and all(comp.names.values())
        assert set(comp.aspect_names) == set(comp.level_names) == {"en", "fr", "zh"}
