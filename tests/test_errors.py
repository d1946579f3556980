from classifier.errors import InputError, Problem


def test_one_problem_is_one_line_naming_file_line_and_field():
    error = InputError(Problem("data/q.jsonl", "text is empty", line=7, field="text"))
    assert str(error) == "data/q.jsonl, line 7, field 'text': text is empty"


def test_many_problems_show_the_first_ten_and_count_the_rest():
    problems = [Problem("f.jsonl", "bad", line=n, field="labels") for n in range(1, 16)]
    message = str(InputError(problems))
    assert message.splitlines()[0] == "15 problems in f.jsonl"
    assert "line 10," in message and "line 11," not in message
    assert message.splitlines()[-1].strip() == "... and 5 more"
