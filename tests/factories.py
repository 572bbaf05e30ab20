"""factory_boy factories for every model the tests build."""

import factory
from django.contrib.auth.models import Group

from accounts.models import Membership, Organization, User

PASSWORD = "correct-horse-battery-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    legal_name = factory.Sequence(lambda n: f"Example Trading {n} Sdn. Bhd.")
    slug = factory.Sequence(lambda n: f"org-{n}")
    jurisdiction = "MY"
    registration_number = factory.Sequence(lambda n: f"2020{n:08d}")
    is_provider = True
    is_buyer = True
    verification_status = Organization.Verification.VERIFIED
    group = factory.LazyAttribute(lambda o: Group.objects.create(name=f"org:{o.slug}"))


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Membership.Role.ADMIN

    @factory.post_generation
    def _join_group(obj, create, extracted, **kwargs):
        if create:
            obj.user.groups.add(obj.organization.group)


def member_of(org: Organization, *, role: str = Membership.Role.ADMIN, **user_kwargs) -> User:
    return MembershipFactory(organization=org, role=role, user=UserFactory(**user_kwargs)).user
