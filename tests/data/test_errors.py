from badak.data import DataError


def test_data_error_is_a_value_error():
    assert issubclass(DataError, ValueError)
    assert str(DataError("x.csv: the file is empty")) == "x.csv: the file is empty"
