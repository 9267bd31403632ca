from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DecimalField,
    EmailField,
    IntegerField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from advocacy.models import ROLES

ROLE_CHOICES = [SelectChoice(role, role.capitalize()) for role in ROLES]


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    department = StringField(
        "Department",
        validators=[Optional(), Length(max=120)],
        description="Type an existing department, or a new name to create it.",
    )
    roles = CheckboxesField("Roles", choices=ROLE_CHOICES, default=["employee"])
    submit = SubmitField("Save")


class ImportForm(FlaskForm):
    file = FileField(
        "CSV file",
        validators=[
            FileRequired("Choose a CSV file."),
            FileAllowed(["csv", "txt"], "Upload a .csv file."),
        ],
    )
    send_invitations = BooleanField("Email an invitation to every new user", default=True)
    submit = SubmitField("Import")


class DepartmentForm(FlaskForm):
    name = StringField("New department", validators=[DataRequired(), Length(max=120)])
    submit = SubmitField("Add department")


def budget_form(networks: dict[str, str], kinds: tuple[str, ...], formdata=None) -> FlaskForm:
    """Prices per call (network x kind) and a daily read cap per network. Field names are
    `price-<network>-<n>` (n indexes `kinds`) and `cap-<network>`."""

    class BudgetForm(FlaskForm):
        submit = SubmitField("Save prices and caps")

    for network in networks:
        for index, kind in enumerate(kinds):
            field = DecimalField(
                f"{kind.capitalize()} ($ a call)",
                places=4,
                validators=[InputRequired("Enter a price (0 when free)."), NumberRange(0, 1000)],
            )
            setattr(BudgetForm, f"price-{network}-{index}", field)
        cap = IntegerField(
            "Most posts the metric sync may read a day",
            validators=[Optional(), NumberRange(0, 10_000_000)],
            description="Empty for no cap.",
        )
        setattr(BudgetForm, f"cap-{network}", cap)
    return BudgetForm(formdata=formdata)
