"""Applications as code: SAM / CloudFormation templates deployed onto the state directory.

- ``loader.py`` reads a template (YAML with CloudFormation's short tags, or JSON);
- ``properties.py`` refuses a property its resource type does not take, as SAM's transform and CloudFormation do;
- ``resolve.py`` expands SAM's resources into CloudFormation ones (as SAM's transform does) and
  evaluates Parameters, pseudo parameters, Conditions and intrinsic functions;
- ``resources.py`` creates, updates and deletes each resource type through the control plane
  (``ControlPlane.call``), never by writing another service's tables;
- ``deploy.py`` diffs a template against what its stack recorded (``schema.py``) and applies the
  difference in dependency order, recording each resource as soon as it is applied, so a deploy
  that fails half-way reports what was applied and a re-run converges.
"""
