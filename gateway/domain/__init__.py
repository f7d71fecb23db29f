"""The pure core: petitions, agencies, document kinds, the case lifecycle, deadlines.

Standard library only; "now" and randomness are always parameters.
"""
