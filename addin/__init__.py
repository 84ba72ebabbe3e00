"""The Excel add-in: KC_* user-defined functions served by xlwings (module ``addin.functions``)."""
