"""Objects to and from Keras 3 configs: the registry of custom objects
(``object_registration``), the base and registry of the classes a config names
(``keras_saveable``) and ``serialize_keras_object`` / ``deserialize_keras_object``
(``serialization_lib``). ``dagnet.saving`` re-exports the public names.

This package sits low in the import graph (below the layers, models and optimizers that
register into it), so this face re-exports nothing: importing one of its modules must not
pull in the rest."""
