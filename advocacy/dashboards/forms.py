from flask_wtf import FlaskForm
from wtforms import DecimalField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, NumberRange


def media_value_form(networks: dict[str, str], formdata=None) -> FlaskForm:
    """Currency, and CPM and CPC per network (fields `cpm-<network>`, `cpc-<network>`)."""

    class MediaValueForm(FlaskForm):
        currency = StringField(
            "Currency",
            validators=[InputRequired("Give a currency."), Length(min=3, max=3)],
            description="A three-letter code, such as USD or EUR.",
        )
        submit = SubmitField("Save prices")

    for network, label in networks.items():
        for name, text in (("cpm", "per 1,000 impressions (CPM)"), ("cpc", "per click (CPC)")):
            field = DecimalField(
                f"{label}: {text}",
                places=2,
                validators=[InputRequired("Enter a price (0 when none)."), NumberRange(0, 10_000)],
            )
            setattr(MediaValueForm, f"{name}-{network}", field)
    return MediaValueForm(formdata=formdata)
