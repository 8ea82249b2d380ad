"""How every form renders: GOV.UK markup inside the template's own form tag."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Layout, Size


def gds_helper(form, *, label_size=Size.SMALL, legend_size=Size.SMALL) -> FormHelper:
    """Call at the end of a form's __init__, once its fields are final."""
    helper = FormHelper()
    # Without a layout the pack ignores the label and legend sizes.
    helper.layout = Layout(*form.fields)
    helper.form_tag = False
    helper.disable_csrf = True  # the template's form carries the token
    helper.label_size = label_size
    helper.legend_size = legend_size
    return helper
