"""Reading documents: the modality cue lexicon now; candidate extraction builds on it later.

The seed audit (kgapi.ingest.audit) and the future candidate extractor must read a sentence's
modality the same way, or the extractor would be measured against a seed checked by other
rules; so both use kgapi.ingest.modality.
"""
